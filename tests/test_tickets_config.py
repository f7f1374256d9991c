"""The agencies and routing sections of the site config: defaults, the example's rules, one-line errors."""
from __future__ import annotations

import pytest

from missions.errors import ConfigError
from missions.site import load_site, parse_site
from missions.site.agencies import DEFAULT_AGENCIES, DEFAULT_RULES, QuietHours

from .tickets_support import JINJI


def error_of(doc) -> str:
    with pytest.raises(ConfigError) as exc:
        parse_site(doc, "site.yaml")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("site.yaml: ")
    return msg


def test_a_site_without_sections_gets_the_design_table(site_doc):
    site = parse_site(site_doc, "site.yaml")
    assert [a.name for a in site.agencies] == ["fisheries", "water_police", "city_management", "environment",
                                               "traffic_police"]
    table = {t: r.agencies for r in site.routing.rules for t in r.types}
    assert table == {"fishing_net": ("fisheries", "water_police"), "fishing_boat": ("fisheries", "water_police"),
                     "swimmer": ("water_police",), "waste_pile": ("city_management", "environment"),
                     "muck_truck": ("city_management", "traffic_police"), "floating_debris": ("environment",)}
    assert site.routing.unmatched == ("water_police",)
    assert site.routing.quiet_hours == QuietHours(22 * 60, 7 * 60)


def test_the_example_puts_its_own_rule_before_the_defaults():
    site = load_site(JINJI)
    first = site.routing.rules[0]
    assert first.where == ("Yongchangjing site",) and first.types == ("waste_pile",)
    assert first.agencies == ("city_management", "environment", "water_police")
    assert first.urgency == "Immediate" and first.severity == "Severe" and not first.default
    assert site.routing.rules[1:] == DEFAULT_RULES
    assert {a.name: a.zh for a in site.agencies}["water_police"] == "水上公安"


def test_own_agencies_and_rules_without_defaults(site_doc):
    site_doc["agencies"] = [{"name": "lake_office", "zh": "湖管办", "en": "Lake office"}]
    site_doc["routing"] = {"include_defaults": False, "unmatched": ["lake_office"], "quiet_hours": False,
                           "rules": [{"types": ["swimmer"], "where": "Pond", "agencies": ["lake_office"]}]}
    site = parse_site(site_doc, "site.yaml")
    assert [a.name for a in site.agencies] == ["lake_office"]
    assert len(site.routing.rules) == 1 and site.routing.rules[0].where == ("Pond",)
    assert site.routing.quiet_hours is None


def test_unquoted_times_in_yaml_are_read_as_clock_times(tmp_path, site_doc):
    import yaml
    text = yaml.safe_dump(site_doc) + "routing:\n  quiet_hours: {start: 21:30, end: 06:45}\n"
    path = tmp_path / "site.yaml"
    path.write_text(text)
    assert load_site(path).routing.quiet_hours == QuietHours(21 * 60 + 30, 6 * 60 + 45)


@pytest.mark.parametrize("routing, expected", [
    ({"rules": [{"types": ["fishing_nets"], "agencies": ["fisheries"]}]},
     "routing.rules[0].types[0]: 'fishing_nets' is not an anomaly class"),
    ({"rules": [{"types": ["swimmer"], "agencies": ["coast_guard"]}]},
     "routing.rules[0].agencies[0]: 'coast_guard' is not an agency"),
    ({"rules": [{"where": ["Nowhere"], "agencies": ["fisheries"]}]},
     "routing.rules[0].where[0]: 'Nowhere' is not an area or hotspot of this site"),
    ({"rules": [{"agencies": ["fisheries"]}]}, "routing.rules[0]: a rule needs types or where"),
    ({"rules": [{"types": ["swimmer"], "agencies": ["fisheries"], "urgent": True}]},
     "routing.rules[0].urgent: unknown key"),
    ({"rules": [{"types": ["swimmer"], "agencies": ["fisheries"], "urgency": "ASAP"}]},
     "routing.rules[0].urgency: 'ASAP' is not one of Immediate"),
    ({"rules": [{"types": ["swimmer"], "agencies": []}]}, "routing.rules[0].agencies: needs at least one agency"),
    ({"rules": [{"types": ["swimmer"], "agencies": ["fisheries", "fisheries"]}]},
     "routing.rules[0].agencies[1]: 'fisheries' is listed twice"),
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "routing.quiet_hours.start: '25:00' is not a time of day"),
    ({"quiet_hours": {"start": "7pm", "end": "07:00"}}, "routing.quiet_hours.start: '7pm' is not a time of day HH:MM"),
    ({"quiet_hours": {"start": "07:00", "end": "07:00"}}, "routing.quiet_hours.end: 07:00-07:00 is empty"),
    ({"quiet_hours": True}, "routing.quiet_hours: expected {start: HH:MM, end: HH:MM} or false"),
    ({"include_defaults": "yes"}, "routing.include_defaults: 'yes' is not true or false"),
    ({"unmatched": ["nobody"]}, "routing.unmatched[0]: 'nobody' is not an agency"),
    ({"escalate": 1}, "routing.escalate: unknown key"),
])
def test_routing_errors_name_the_field_and_the_value(site_doc, routing, expected):
    site_doc["routing"] = routing
    assert expected in error_of(site_doc)


def test_agency_errors(site_doc):
    site_doc["agencies"] = [{"name": "Water Police"}]
    assert "agencies[0].name: 'Water Police' must be lower-case" in error_of(site_doc)
    site_doc["agencies"] = [{"name": "a"}, {"name": "a"}]
    assert "agencies[1].name: 'a' is used by two agencies" in error_of(site_doc)
    site_doc["agencies"] = []
    assert "agencies: at least one agency is required" in error_of(site_doc)
    site_doc["agencies"] = [{"name": "water_police", "phone": "110"}]
    assert "agencies[0].phone: unknown key" in error_of(site_doc)


def test_defaults_that_name_a_missing_agency_are_an_error(site_doc):
    site_doc["agencies"] = [{"name": "water_police"}, {"name": "fisheries"}]
    msg = error_of(site_doc)
    assert "routing: the default rule for dumping sends to 'city_management'" in msg
    assert "include_defaults: false" in msg


def test_unmatched_is_required_without_water_police(site_doc):
    site_doc["agencies"] = [{"name": "lake_office"}]
    site_doc["routing"] = {"include_defaults": False, "rules": []}
    assert "routing.unmatched: is required" in error_of(site_doc)


def test_unknown_timezone(site_doc):
    site_doc["site"]["timezone"] = "Asia/Suzhou"
    assert "site.timezone: 'Asia/Suzhou' is not a known time zone" in error_of(site_doc)


def test_default_agencies_have_both_languages():
    assert all(a.zh and a.en and a.zh != a.en for a in DEFAULT_AGENCIES)
