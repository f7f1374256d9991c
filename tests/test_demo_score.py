"""The demo's scoring rules (controller/demo/score.py): what counts as a right ticket, and what a miss was."""
from shapely.geometry import LineString, Point

from controller.demo.score import MATCH_SLACK_M, TicketPoint, TruthObject, near_misses, score
from missions.geo import LocalFrame
from vision.types import Anomaly

LAT0, LON0 = 31.31, 120.68
FRAME = LocalFrame.around(LAT0, LON0)
X0, Y0 = FRAME.to_xy(LAT0, LON0)


def at(dx: float, dy: float) -> tuple[float, float]:
    return FRAME.to_latlon(X0 + dx, Y0 + dy)


def obj(oid: str, cls: str, dx: float, dy: float) -> TruthObject:
    lat, lon = at(dx, dy)
    return TruthObject(oid, cls, Point(X0 + dx, Y0 + dy), lat, lon)


def ticket(tid: str, cls: str, dx: float, dy: float, radius: float = 3.0) -> TicketPoint:
    return TicketPoint(tid, cls, *at(dx, dy), radius)


def test_a_ticket_is_right_within_its_radius_plus_the_slack_and_of_the_same_class():
    truth = [obj("pile", "waste_pile", 0, 0)]
    near = score([ticket("t", "waste_pile", 3.0 + MATCH_SLACK_M - 0.5, 0)], truth, FRAME)
    far = score([ticket("t", "waste_pile", 3.0 + MATCH_SLACK_M + 0.5, 0)], truth, FRAME)
    other = score([ticket("t", "muck_truck", 1, 0)], truth, FRAME)
    assert (near.precision, near.recall) == (1.0, 1.0)
    assert (far.precision, far.recall, far.false_alarms, far.missed) == (0.0, 0.0, ["t"], ["pile"])
    assert other.precision == 0.0 and other.missed == ["pile"]


def test_each_object_is_matched_once_closest_first():
    truth = [obj("swimmer", "swimmer", 0, 0)]
    s = score([ticket("far", "swimmer", 6, 0), ticket("near", "swimmer", 1, 0)], truth, FRAME)
    assert [(m.ticket, m.truth) for m in s.matches] == [("near", "swimmer")]
    assert s.false_alarms == ["far"] and s.precision == 0.5


def test_a_net_is_measured_to_its_line_not_its_centre():
    lat, lon = at(0, 0)
    net = TruthObject("net", "fishing_net", LineString([(X0 - 100, Y0), (X0 + 100, Y0)]), lat, lon)
    s = score([ticket("t", "fishing_net", 90, 2)], [net], FRAME)     # 90 m from the centre, 2 m off the line
    assert s.recall == 1.0 and s.matches[0].error_m == 2.0


def _candidate(aid: str, cls: str, dx: float, dy: float, sightings: int, conf: float) -> Anomaly:
    lat, lon = at(dx, dy)
    return Anomaly(aid, cls, lat, lon, 2.0, 0.0, 10.0, sightings, conf)


def test_near_misses_tell_seen_but_unconfirmed_from_never_seen():
    truth = [obj("pile", "waste_pile", 0, 0), obj("truck", "muck_truck", 200, 0), obj("boat", "fishing_boat", 400, 0)]
    cands = [_candidate("a", "waste_pile", 1.5, 0, 2, 0.61),
             _candidate("b", "fishing_boat", 200, 0, 4, 0.7),          # at the truck, but a boat: not the truck
             _candidate("c", "fishing_boat", 460, 0, 3, 0.9)]          # the boat's class, 60 m away: not it
    out = near_misses(["pile", "truck", "boat"], truth, cands, FRAME)
    assert out["pile"] == {"seen": True, "sightings": 2, "confidence": 0.61, "error_m": 1.5}
    assert out["truck"] == {"seen": False} and out["boat"] == {"seen": False}
    assert near_misses([], truth, cands, FRAME) == {}


def test_the_report_says_what_vision_had_of_each_miss():
    from controller.demo.report import _missed_html
    fig = {"missed": ["pile", "truck"],
           "near_misses": {"pile": {"seen": True, "sightings": 2, "confidence": 0.61, "error_m": 1.5},
                           "truck": {"seen": False}}}
    page = _missed_html(fig)
    assert "seen 2 time(s), combined confidence 0.61, 1.5 m off: not confirmed" in page
    assert "<td>truck</td><td>never seen" in page
    assert _missed_html({"missed": []}) == "<p>nothing</p>"
