"""Confirmation: sightings across frames become one anomaly each, confirmed on enough evidence."""
from __future__ import annotations

import uuid

import cv2
import numpy as np
import pytest

from vision.confirm import ConfirmPolicy, Confirmer, LocalMetric
from vision.types import Sighting

REF = LocalMetric(31.3105, 120.6780)


def at(x: float, y: float) -> tuple[float, float]:
    return REF.latlon(np.array([x, y]))


def sight(cls="swimmer", x=0.0, y=0.0, conf=0.6, t=0.0, seq=0, drone=1, unc=3.0, line=None, box=(900, 500, 940, 540)):
    lat, lon = at(x, y)
    ll = (at(*line[0]), at(*line[1])) if line else None
    return Sighting(cls, conf, lat, lon, unc, t, drone, seq, box, ll, 0.07, (1920, 1080))


def dist(a, x, y):
    return float(np.linalg.norm(REF.xy(a.lat, a.lon) - np.array([x, y])))


def test_three_frames_confirm_one_swimmer_once():
    c = Confirmer(ConfirmPolicy(min_frames=3, confirm_conf=0.8, strong_conf=0.95))
    assert c.add([sight(x=0.5, conf=0.6, t=0, seq=1)]) == []
    assert c.add([sight(x=-0.5, conf=0.6, t=1, seq=2)]) == []
    newly = c.add([sight(x=0.2, y=0.4, conf=0.6, t=2, seq=3)])
    assert len(newly) == 1 and newly[0].confirmed
    a = newly[0]
    assert a.sightings == 3 and a.first_seen_s == 0 and a.last_seen_s == 2
    assert a.confidence == pytest.approx(1 - 0.4 ** 3)
    assert dist(a, 0.0667, 0.1333) < 0.05
    uuid.UUID(a.id)
    assert c.add([sight(x=0.1, conf=0.6, t=3, seq=4)]) == []        # confirmed once, never again
    assert len(c.anomalies) == 1


def test_two_frames_are_not_enough_and_weak_sightings_are_ignored():
    c = Confirmer(ConfirmPolicy(min_frames=3, min_conf=0.3))
    c.add([sight(conf=0.7, t=0, seq=1)])
    c.add([sight(conf=0.7, t=1, seq=2)])
    c.add([sight(conf=0.1, t=2, seq=3)])
    assert c.confirmed() == [] and c.anomalies[0].sightings == 2


def test_one_very_confident_sighting_confirms_at_once():
    c = Confirmer(ConfirmPolicy(strong_conf=0.9))
    assert len(c.add([sight(cls="muck_truck", conf=0.95)])) == 1


def test_separate_objects_stay_separate():
    c = Confirmer()
    c.add([sight(x=0, y=0, seq=1), sight(x=40, y=0, seq=1), sight(cls="fishing_boat", x=0.5, y=0, seq=1)])
    c.add([sight(x=0.3, y=0.2, seq=2, t=1), sight(x=40.5, y=0, seq=2, t=1)])
    kinds = sorted((a.cls, a.sightings) for a in c.anomalies)
    assert kinds == [("fishing_boat", 1), ("swimmer", 2), ("swimmer", 2)]


def test_location_improves_with_independent_looks():
    c = Confirmer(ConfirmPolicy(decorrelation_s=20.0))
    c.add([sight(unc=4.0, t=0, seq=1)])
    u1 = c.anomalies[0].uncertainty_m
    c.add([sight(unc=4.0, t=1, seq=2)])                               # a moment later: the same errors
    assert c.anomalies[0].uncertainty_m == pytest.approx(u1)
    c.add([sight(unc=4.0, t=300, seq=90)])                            # the next pass
    c.add([sight(unc=4.0, t=900, seq=400, drone=2)])                  # another drone
    assert c.anomalies[0].uncertainty_m == pytest.approx(4.0 / np.sqrt(3))


def test_location_is_weighted_by_uncertainty():
    c = Confirmer()
    c.add([sight(x=0, unc=1.0, t=0, seq=1)])
    c.add([sight(x=4, unc=3.0, t=100, seq=2)])
    assert dist(c.anomalies[0], 0.4, 0.0) < 0.01                     # weights 1 and 1/9


def test_net_seen_in_pieces_along_a_line_is_one_anomaly():
    c = Confirmer()
    # an 150 m net along y = 0.2 x, seen as three boxes in three frames, the last piece overlapping nothing
    pieces = [((0, 0), (50, 10)), ((45, 9), (95, 19)), ((100, 20), (150, 30))]
    for k, (a, b) in enumerate(pieces):
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        c.add([sight("fishing_net", *mid, conf=0.7, t=k, seq=k, line=(a, b))])
    nets = [a for a in c.anomalies if a.cls == "fishing_net"]
    assert len(nets) == 1
    n = nets[0]
    assert n.length_m == pytest.approx(np.hypot(150, 30), rel=0.02)
    assert dist(n, 75, 15) < 1.0
    ends = sorted([tuple(REF.xy(*e)) for e in n.line])
    assert ends[0] == pytest.approx((0, 0), abs=1.0) and ends[1] == pytest.approx((150, 30), abs=1.0)


def test_net_pieces_found_apart_join_when_a_bridge_is_seen():
    c = Confirmer()
    c.add([sight("fishing_net", 20, 0, seq=1, line=((0, 0), (40, 0)))])
    c.add([sight("fishing_net", 100, 0, seq=2, t=1, line=((80, 0), (120, 0)))])
    assert len(c.anomalies) == 2
    c.add([sight("fishing_net", 60, 0, seq=3, t=2, line=((35, 0), (85, 0)))])
    assert len(c.anomalies) == 1
    assert c.anomalies[0].length_m == pytest.approx(120, abs=1.0) and c.anomalies[0].sightings == 3


def test_a_piece_read_along_the_wrong_diagonal_still_joins_its_net():
    c = Confirmer()
    c.add([sight("fishing_net", 50, 0, seq=1, line=((0, 0), (100, 0)))])
    c.add([sight("fishing_net", 70, 1, seq=2, t=1, line=((60, -10), (80, 12)))])   # 30 m, 48 degrees off
    assert len(c.anomalies) == 1 and c.anomalies[0].sightings == 2


def test_parallel_nets_apart_and_crossing_lines_stay_separate():
    c = Confirmer()
    c.add([sight("fishing_net", 50, 0, seq=1, line=((0, 0), (100, 0))),
           sight("fishing_net", 50, 40, seq=1, line=((0, 40), (100, 40))),
           sight("fishing_net", 50, 70, seq=1, line=((50, 20), (50, 120)))])
    assert len(c.anomalies) == 3


def test_evidence_is_the_best_crop_and_its_frame():
    img = np.full((1080, 1920, 3), 90, np.uint8)
    cv2.rectangle(img, (900, 500), (940, 540), (0, 0, 255), -1)
    ok, jpg = cv2.imencode(".jpg", img)
    frame = jpg.tobytes()
    c = Confirmer()
    c.add([sight(conf=0.4, seq=1, box=(10, 10, 50, 50))], frame_jpeg=frame)
    c.add([sight(conf=0.9, seq=2, t=1)], frame_jpeg=frame)
    c.add([sight(conf=0.5, seq=3, t=2, box=(1800, 1000, 1840, 1040))], frame_jpeg=frame)
    a = c.anomalies[0]
    assert a.evidence_seq == 2 and a.frame_jpeg == frame
    crop = cv2.imdecode(np.frombuffer(a.evidence_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape[0] >= 160 and crop.shape[1] >= 160
    h, w = crop.shape[:2]
    assert crop[h // 2, w // 2, 2] > 200 and crop[h // 2, w // 2, 0] < 60       # the red object sits in the middle


def test_replayed_stream_gives_the_same_ids():
    def run():
        c = Confirmer()
        for k in range(3):
            c.add([sight(x=0.1 * k, t=k, seq=k), sight("waste_pile", 30, 30, t=k, seq=k)])
        return sorted(a.id for a in c.anomalies)
    assert run() == run()
