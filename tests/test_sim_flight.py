"""A planned sortie uploaded over MAVLink is flown: every item reached in order, landing at home."""
import math

import pytest
from pymavlink import mavutil

from missions.planner import plan_patrol
from missions.site import load_site
from sim.testing import Gcs, running_sim

SITE = load_site("missions/examples/qingjian.yaml")
SPEEDUP = 400
M = mavutil.mavlink


@pytest.fixture(scope="module")
def sortie():
    plan = plan_patrol(SITE)
    return min(plan.sorties, key=lambda s: s.flight_time_s)


def upload(g, items):
    g.send("mission_count_send", 1, 1, len(items), 0)
    while True:
        m = g.recv(["MISSION_REQUEST", "MISSION_ACK"], timeout=10)
        if m.get_type() == "MISSION_ACK":
            if m.type == M.MAV_MISSION_INVALID_SEQUENCE:   # our answer to a re-sent request crossed the next one
                continue
            return m.type
        it = items[m.seq]
        g.send("mission_item_int_send", 1, 1, it.seq, it.frame, it.command, 0, 1, it.param1, it.param2, it.param3,
               it.param4, int(round(it.lat * 1e7)), int(round(it.lon * 1e7)), it.alt, 0)


def test_a_planned_sortie_reaches_every_item_and_lands_at_home(sortie):
    with running_sim(SITE, speedup=SPEEDUP, boot_s=41.0, wait_for_gcs=True) as sim:
        g = Gcs(sim.url(), SPEEDUP)
        try:
            g.heartbeats(True)
            assert g.command(511, 193, 1e6).result == 0
            g.recv("EKF_STATUS_REPORT", timeout=20, condition=lambda m: m.flags == 0x33F)
            assert upload(g, sortie.items) == M.MAV_MISSION_ACCEPTED
            assert g.command(511, 33, 2e6).result == 0                  # GLOBAL_POSITION_INT every 2 s
            assert g.set_mode(4).result == 0
            assert g.command(400, 1).result == 0
            assert g.command(300, 0, 0).result == 0                    # MISSION_START from the ground
            reached = []
            positions = []
            while True:
                m = g.recv(["MISSION_ITEM_REACHED", "GLOBAL_POSITION_INT", "HEARTBEAT"], timeout=30)
                kind = m.get_type()
                if kind == "MISSION_ITEM_REACHED":
                    reached.append(m.seq)
                elif kind == "GLOBAL_POSITION_INT":
                    positions.append(m)
                elif not m.base_mode & 128 and reached:
                    break
            assert reached == list(range(1, len(sortie.items)))
            assert any("Mission: 1 Takeoff" in t for t in g.texts)
            top = max(p.relative_alt for p in positions) / 1000.0
            assert top == pytest.approx(sortie.altitude_m, abs=2.0)
            last = g.recv("GLOBAL_POSITION_INT", timeout=10)
            home_n = (last.lat / 1e7 - SITE.info.home[0]) * 111319.5
            home_e = (last.lon / 1e7 - SITE.info.home[1]) * 111319.5 * math.cos(math.radians(SITE.info.home[0]))
            assert math.hypot(home_n, home_e) < 3.0
            assert abs(last.relative_alt) < 1000
            c = sim.runner.copter(1)
            flight = c.t - 41.0
            assert flight == pytest.approx(sortie.flight_time_s, rel=0.15)   # the planner's time and the sim agree
        finally:
            g.close()
