"""Which agencies get an anomaly, how pressing it is, and whether it waits out the quiet hours. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from missions.site.agencies import CLASS_DEFAULTS, UNKNOWN_CLASS_DEFAULTS, QuietHours, Routing, RoutingRule

from .model import Location


@dataclass(frozen=True)
class Route:
    agencies: tuple[str, ...]
    urgency: str
    severity: str
    rule: str  # the label of the rule that matched, or "unmatched"


def matches(rule: RoutingRule, kind: str, loc: Location) -> bool:
    if rule.types and kind not in rule.types:
        return False
    return not rule.where or loc.area in rule.where or loc.hotspot in rule.where


def route(kind: str, loc: Location, routing: Routing) -> Route:
    """The first rule that matches type and place decides; else `routing.unmatched`."""
    urgency, severity = CLASS_DEFAULTS.get(kind, UNKNOWN_CLASS_DEFAULTS)
    for rule in routing.rules:
        if matches(rule, kind, loc):
            return Route(rule.agencies, rule.urgency or urgency, rule.severity or severity, rule.label())
    return Route(routing.unmatched, urgency, severity, "unmatched")


def hold_until(urgency: str, quiet: QuietHours | None, tz: str, now: datetime) -> datetime | None:
    """When a ticket committed `now` may be delivered, if not at once: the end of the quiet hours.

    Only `Immediate` tickets (a swimmer, a boat, a truck, or anything a rule escalates) go out at
    any hour; everything else waits for the morning.
    """
    if quiet is None or urgency == "Immediate":
        return None
    local = now.astimezone(ZoneInfo(tz))
    if not quiet.contains(local.hour * 60 + local.minute):
        return None
    end = local.replace(hour=quiet.end_min // 60, minute=quiet.end_min % 60, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)  # wall-clock arithmetic: the zone's offset on that day applies
    return end
