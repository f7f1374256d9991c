"""Partner agencies and the rules that route each anomaly to them: the `agencies:` and `routing:` sections.

A site that says nothing gets DESIGN.md's default table. Rules are tried in order and the first
that matches an anomaly's type and place decides its agencies; the site's own rules come before the
defaults, so a site writes only its exceptions. Quiet hours hold tickets that are not urgent until
the morning; a rule escalates by setting `urgency: Immediate`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from .reader import Fields, show

# The vision stage's class names, exactly.
ANOMALY_CLASSES = ("fishing_net", "fishing_boat", "swimmer", "waste_pile", "muck_truck", "floating_debris")

# OASIS CAP 1.2 values, most pressing first.
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")

# (urgency, severity) of each class when no rule says otherwise. A swimmer may drown and a boat or
# a truck drives away, so those go at once; a net, a pile or debris can wait for the morning.
CLASS_DEFAULTS = {
    "fishing_net": ("Expected", "Moderate"),
    "fishing_boat": ("Immediate", "Moderate"),
    "swimmer": ("Immediate", "Severe"),
    "waste_pile": ("Expected", "Moderate"),
    "muck_truck": ("Immediate", "Moderate"),
    "floating_debris": ("Expected", "Minor"),
}
UNKNOWN_CLASS_DEFAULTS = ("Expected", "Unknown")

AGENCY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # also a key file name and the id on the wire


@dataclass(frozen=True)
class Agency:
    name: str
    zh: str
    en: str
    contact: str | None = None


DEFAULT_AGENCIES = (
    Agency("fisheries", "渔政", "Fisheries administration"),
    Agency("water_police", "水上公安", "Water police"),
    Agency("city_management", "综合执法", "City management (comprehensive law enforcement)"),
    Agency("environment", "生态环境局", "Environment bureau"),
    Agency("traffic_police", "交警", "Traffic police"),
)


@dataclass(frozen=True)
class QuietHours:
    """A daily window in site-local time, minutes after midnight; it may wrap past midnight."""

    start_min: int = 22 * 60
    end_min: int = 7 * 60

    def contains(self, minute_of_day: int) -> bool:
        if self.start_min < self.end_min:
            return self.start_min <= minute_of_day < self.end_min
        return minute_of_day >= self.start_min or minute_of_day < self.end_min

    def __str__(self) -> str:
        return f"{self.start_min // 60:02d}:{self.start_min % 60:02d}-{self.end_min // 60:02d}:{self.end_min % 60:02d}"


@dataclass(frozen=True)
class RoutingRule:
    agencies: tuple[str, ...]
    types: tuple[str, ...] = ()   # empty: any type
    where: tuple[str, ...] = ()   # empty: anywhere; else names of areas or hotspots
    urgency: str | None = None    # CAP urgency; None keeps the class default
    severity: str | None = None
    name: str = ""
    default: bool = False         # one of DESIGN.md's rules rather than the site's own

    def label(self) -> str:
        if self.name:
            return self.name
        what = ",".join(self.types) or "any type"
        return f"{what} at {','.join(self.where)}" if self.where else what


DEFAULT_RULES = (
    RoutingRule(("fisheries", "water_police"), types=("fishing_net", "fishing_boat"), name="illegal fishing", default=True),
    RoutingRule(("water_police",), types=("swimmer",), name="swimmer in forbidden water", default=True),
    RoutingRule(("city_management", "environment"), types=("waste_pile",), name="dumping", default=True),
    RoutingRule(("city_management", "traffic_police"), types=("muck_truck",), name="muck truck dumping", default=True),
    RoutingRule(("environment",), types=("floating_debris",), name="floating debris", default=True),
)


@dataclass(frozen=True)
class Routing:
    rules: tuple[RoutingRule, ...] = DEFAULT_RULES
    unmatched: tuple[str, ...] = ("water_police",)
    quiet_hours: QuietHours | None = field(default_factory=QuietHours)


def default_routing() -> Routing:
    return Routing()


def parse_agencies(top: Fields, timezone: str, places: tuple[str, ...]) -> tuple[tuple[Agency, ...], Routing]:
    """Read `agencies:` and `routing:` from the top-level mapping; `places` are the site's area and hotspot names."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{top.source}: site.timezone: {show(timezone)} is not a known time zone "
                          f"(an IANA name such as Asia/Shanghai)") from None
    agencies = _agencies(top) if top.has("agencies") else DEFAULT_AGENCIES
    top.seen.add("agencies")
    names = tuple(a.name for a in agencies)
    f = top.sub("routing", None)
    if f is None:
        routing = Routing(unmatched=_default_unmatched(top, names))
        _check_defaults(top, "routing", DEFAULT_RULES, names)
        return agencies, routing
    include_defaults = f.get("include_defaults", True)
    if not isinstance(include_defaults, bool):
        raise f.error("include_defaults", f"{show(include_defaults)} is not true or false")
    rules = tuple(_rule(Fields(f.source, f"{f.at('rules')}[{i}]", raw), names, places)
                  for i, raw in enumerate(f.listing("rules", [])))
    if include_defaults:
        _check_defaults(top, "routing.include_defaults", DEFAULT_RULES, names)
        rules += DEFAULT_RULES
    unmatched = (_agency_list(f, "unmatched", names) if f.has("unmatched") else _default_unmatched(f, names))
    routing = Routing(rules=rules, unmatched=unmatched, quiet_hours=_quiet_hours(f))
    f.done()
    return agencies, routing


def _agencies(top: Fields) -> tuple[Agency, ...]:
    raw = top.listing("agencies")
    if not raw:
        raise top.error("agencies", "at least one agency is required (or leave the section out for the defaults)")
    out: list[Agency] = []
    for i, item in enumerate(raw):
        f = Fields(top.source, f"agencies[{i}]", item)
        name = f.string("name")
        if not AGENCY_NAME.match(name):
            raise f.error("name", f"{show(name)} must be lower-case letters, digits and _ (at most 32, "
                                  f"starting with a letter): it names the agency's key file")
        if name in (a.name for a in out):
            raise f.error("name", f"{name!r} is used by two agencies; names must be unique")
        out.append(Agency(name=name, zh=f.string("zh", name), en=f.string("en", name),
                          contact=f.string("contact", None)))
        f.done()
    return tuple(out)


def _agency_list(f: Fields, key: str, names: tuple[str, ...]) -> tuple[str, ...]:
    raw = f.listing(key)
    if not raw:
        raise f.error(key, "needs at least one agency")
    for j, a in enumerate(raw):
        if a not in names:
            raise f.error(f"{key}[{j}]", f"{show(a)} is not an agency; known: {', '.join(names)}")
        if a in raw[:j]:
            raise f.error(f"{key}[{j}]", f"{a!r} is listed twice")
    return tuple(raw)


def _default_unmatched(f: Fields, names: tuple[str, ...]) -> tuple[str, ...]:
    if "water_police" in names:
        return ("water_police",)
    raise ConfigError(f"{f.source}: routing.unmatched: is required: there is no water_police agency "
                      f"to send unmatched anomalies to")


def _check_defaults(f: Fields, where: str, rules: tuple[RoutingRule, ...], names: tuple[str, ...]) -> None:
    for rule in rules:
        for a in rule.agencies:
            if a not in names:
                raise ConfigError(f"{f.source}: {where}: the default rule for {rule.label()} sends to {a!r}, "
                                  f"which is not in agencies; add it, or set routing.include_defaults: false")


def _names(f: Fields, key: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    raw = f.get(key, [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise f.error(key, f"expected a list, got {show(raw)}")
    for j, v in enumerate(raw):
        if v not in allowed:
            raise f.error(f"{key}[{j}]", f"{show(v)} is not {what}; known: {', '.join(allowed) or 'none'}")
    return tuple(dict.fromkeys(raw))


def _rule(f: Fields, names: tuple[str, ...], places: tuple[str, ...]) -> RoutingRule:
    types = _names(f, "types", ANOMALY_CLASSES, "an anomaly class")
    where = _names(f, "where", places, "an area or hotspot of this site")
    if not types and not where:
        raise f.error(None, "a rule needs types or where (or both); routing.unmatched catches the rest")
    rule = RoutingRule(
        agencies=_agency_list(f, "agencies", names), types=types, where=where,
        urgency=f.choice("urgency", URGENCIES, None) if f.has("urgency") else None,
        severity=f.choice("severity", SEVERITIES, None) if f.has("severity") else None,
        name=f.string("name", ""),
    )
    f.seen.update({"urgency", "severity"})
    f.done()
    return rule


def _clock(f: Fields, key: str) -> int:
    v = f.get(key)
    if isinstance(v, int) and not isinstance(v, bool):  # YAML 1.1 reads an unquoted 22:00 as 1320 (base 60)
        minutes = v
    elif isinstance(v, str) and re.fullmatch(r"\d{1,2}:\d{2}", v.strip()):
        h, m = (int(x) for x in v.strip().split(":"))
        minutes = h * 60 + m if m < 60 else -1
    else:
        raise f.error(key, f"{show(v)} is not a time of day HH:MM")
    if not 0 <= minutes < 24 * 60:
        raise f.error(key, f"{show(v)} is not a time of day between 00:00 and 23:59")
    return minutes


def _quiet_hours(f: Fields) -> QuietHours | None:
    raw = f.get("quiet_hours", None)
    if raw is None:
        return QuietHours()
    if raw is False:
        return None
    q = Fields(f.source, f.at("quiet_hours"), raw) if isinstance(raw, dict) else None
    if q is None:
        raise f.error("quiet_hours", f"expected {{start: HH:MM, end: HH:MM}} or false, got {show(raw)}")
    hours = QuietHours(_clock(q, "start"), _clock(q, "end"))
    q.done()
    if hours.start_min == hours.end_min:
        raise q.error("end", f"{hours} is empty: start and end are the same time")
    return hours
