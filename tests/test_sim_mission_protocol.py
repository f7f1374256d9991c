"""The mission protocol over TCP, against what ArduCopter 4.7 SITL was observed to do."""
import math

import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.testing import Gcs, connected_gcs, running_sim, wait_sim_time

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 50
LAT, LON = SITE.info.home
M = mavutil.mavlink


@pytest.fixture
def sim():
    with running_sim(SITE, speedup=SPEEDUP, boot_s=2.0) as s:
        wait_sim_time(s, 3.0)                               # home is set once the EKF uses GPS
        yield s


@pytest.fixture
def gcs(sim):
    with connected_gcs(sim, SPEEDUP) as g:
        yield g


def item(seq, command=16, lat=LAT, lon=LON, alt=30.0, frame=3, p=(0, 0, 0, 0)):
    return dict(seq=seq, command=command, lat=lat, lon=lon, alt=alt, frame=frame, p=p)


def mission(n_wp=4):
    items = [item(0, lat=10.0, lon=10.0, alt=0.0, frame=0), item(1, 22, 0, 0, 20.0),
             item(2, 178, 0, 0, 0.0, p=(1, 8, -1, 0))]
    items += [item(3 + i, lat=LAT + 0.001 * (i + 1), lon=LON) for i in range(n_wp)]
    items.append(item(len(items), 20, 0, 0, 0.0))
    return items


def send_item(g, it, use_int=True, mission_type=0):
    p1, p2, p3, p4 = it["p"]
    if use_int:
        g.send("mission_item_int_send", 1, 1, it["seq"], it["frame"], it["command"], 0, 1, p1, p2, p3, p4,
               int(round(it["lat"] * 1e7)), int(round(it["lon"] * 1e7)), it["alt"], mission_type)
    else:
        g.send("mission_item_send", 1, 1, it["seq"], it["frame"], it["command"], 0, 1, p1, p2, p3, p4,
               it["lat"], it["lon"], it["alt"], mission_type)


def upload(g, items, use_int=True, mission_type=0):
    """Answer the vehicle's requests until its MISSION_ACK; returns (ack, the request messages seen)."""
    g.send("mission_count_send", 1, 1, len(items), mission_type)
    requests = []
    while True:
        m = g.recv(["MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"], timeout=10)
        if m.get_type() == "MISSION_ACK":
            if m.type == M.MAV_MISSION_INVALID_SEQUENCE:   # an answer to a re-sent request, crossed: carry on
                continue
            return m, requests
        if requests and m.seq == requests[-1].seq:
            continue                                     # a re-send (1 s of simulated silence)
        requests.append(m)
        send_item(g, items[m.seq], use_int, mission_type)


def download(g, use_int=True):
    g.send("mission_request_list_send", 1, 1, 0)
    count = g.recv("MISSION_COUNT").count
    out = []
    for seq in range(count):
        (g.send("mission_request_int_send", 1, 1, seq, 0) if use_int else g.send("mission_request_send", 1, 1, seq, 0))
        out.append(g.recv("MISSION_ITEM_INT" if use_int else "MISSION_ITEM", condition=lambda m, s=seq: m.seq == s))
    g.send("mission_ack_send", 1, 1, 0, 0)
    return out


def test_upload_is_requested_with_mission_request_and_announced(gcs):
    items = mission()
    ack, requests = upload(gcs, items, use_int=True)
    assert ack.type == M.MAV_MISSION_ACCEPTED
    assert {r.get_type() for r in requests} == {"MISSION_REQUEST"}      # not _INT, even for MISSION_ITEM_INT
    assert [r.seq for r in requests] == list(range(len(items)))
    gcs.text("Flight plan received")
    got = download(gcs, use_int=False)
    assert len(got) == len(items)
    home = got[0]
    assert home.frame == 0 and home.x == pytest.approx(LAT, abs=1e-4) and home.y == pytest.approx(LON, abs=1e-4)
    for sent, back in zip(items[3:-1], got[3:-1]):
        assert back.frame == M.MAV_FRAME_GLOBAL_RELATIVE_ALT and back.command == 16
        assert back.x == pytest.approx(sent["lat"], abs=1e-6) and back.z == pytest.approx(30.0)
    assert (got[2].command, got[2].param2, got[2].param3) == (178, 8.0, -1.0)
    gcs.text("use MISSION_REQUEST_INT")
    ints = download(gcs, use_int=True)
    assert ints[4].x == int(round(items[4]["lat"] * 1e7))


def test_legacy_mission_item_is_accepted_with_ardupilots_warning(gcs):
    ack, _ = upload(gcs, mission(2), use_int=False)
    assert ack.type == M.MAV_MISSION_ACCEPTED
    gcs.text("GCS should send MISSION_ITEM_INT")


def test_unsupported_command_refuses_the_item_and_leaves_the_old_mission_cut_to_the_new_count(gcs):
    old = mission(6)
    assert upload(gcs, old)[0].type == 0
    new = [item(0), item(1, 22, 0, 0, 40.0), item(2, lat=LAT - 0.002), item(3, 113, 0, 0, 0.0), item(4)]
    ack, requests = upload(gcs, new)
    assert ack.type == M.MAV_MISSION_UNSUPPORTED
    assert [r.seq for r in requests] == [0, 1, 2, 3]
    got = download(gcs)
    assert len(got) == 5
    assert got[1].z == pytest.approx(40.0) and got[2].x == int(round((LAT - 0.002) * 1e7))
    assert got[3].command == old[3]["command"] and got[4].x == int(round(old[4]["lat"] * 1e7))


def test_out_of_sequence_item_gets_invalid_sequence_and_is_asked_for_again(gcs):
    items = mission(2)
    gcs.send("mission_count_send", 1, 1, len(items), 0)
    assert gcs.recv("MISSION_REQUEST").seq == 0
    send_item(gcs, items[0])
    gcs.recv("MISSION_REQUEST", condition=lambda m: m.seq == 1)
    send_item(gcs, items[2])
    assert gcs.recv("MISSION_ACK").type == M.MAV_MISSION_INVALID_SEQUENCE
    again = gcs.recv("MISSION_REQUEST", timeout=10)
    assert again.seq == 1
    for seq in range(1, len(items)):
        send_item(gcs, items[seq])
        if seq < len(items) - 1:
            gcs.recv("MISSION_REQUEST", condition=lambda m, s=seq: m.seq == s + 1)
    assert gcs.recv("MISSION_ACK").type == M.MAV_MISSION_ACCEPTED


def test_a_stalled_upload_is_re_requested_then_cancelled_after_8_seconds(gcs, sim):
    items = mission(3)
    gcs.send("mission_count_send", 1, 1, len(items), 0)
    gcs.recv("MISSION_REQUEST")
    send_item(gcs, items[0])
    first = gcs.recv("MISSION_REQUEST", condition=lambda m: m.seq == 1)
    t0 = sim.runner.sim_time
    repeats = 0
    while True:
        m = gcs.recv(["MISSION_REQUEST", "MISSION_ACK"], timeout=10)
        if m.get_type() == "MISSION_ACK":
            break
        repeats += 1
    assert m.type == M.MAV_MISSION_OPERATION_CANCELLED
    assert 7.0 <= sim.runner.sim_time - t0 <= 10.0 and repeats >= 5
    gcs.text("Mission upload timeout")
    assert first.seq == 1
    assert upload(gcs, items)[0].type == 0                  # the next upload works


def test_count_over_capacity_clear_all_and_a_second_uploader_denied(gcs, sim):
    gcs.send("mission_count_send", 1, 1, 5000, 0)
    assert gcs.recv("MISSION_ACK").type == M.MAV_MISSION_NO_SPACE
    gcs.text("items are supported")
    assert upload(gcs, mission(2))[0].type == 0
    other = Gcs(sim.url(), SPEEDUP, sysid=200)
    try:
        gcs.send("mission_count_send", 1, 1, 3, 0)
        gcs.recv("MISSION_REQUEST")
        other.send("mission_count_send", 1, 1, 3, 0)
        assert other.recv("MISSION_ACK").type == M.MAV_MISSION_DENIED
        other.send("mission_request_list_send", 1, 1, 0)
        assert other.recv("MISSION_ACK").type == M.MAV_MISSION_DENIED
    finally:
        other.close()
    gcs.send("mission_count_send", 1, 1, 0, 0)                 # restart by the same GCS: count 0 completes
    assert gcs.recv("MISSION_ACK").type == 0
    assert upload(gcs, mission(2))[0].type == 0
    gcs.send("mission_clear_all_send", 1, 1, 0)
    assert gcs.recv("MISSION_ACK").type == 0
    gcs.send("mission_request_list_send", 1, 1, 0)
    assert gcs.recv("MISSION_COUNT").count == 1


def test_partial_write_set_current_and_bad_items(gcs):
    items = mission(3)
    assert upload(gcs, items)[0].type == 0
    gcs.send("mission_write_partial_list_send", 1, 1, 3, 4, 0)
    for seq in (3, 4):
        gcs.recv("MISSION_REQUEST", condition=lambda m, s=seq: m.seq == s)
        send_item(gcs, item(seq, lat=LAT - 0.003))
    assert gcs.recv("MISSION_ACK").type == 0
    assert download(gcs)[4].x == int(round((LAT - 0.003) * 1e7))
    gcs.send("mission_set_current_send", 1, 1, 4)
    assert gcs.recv("MISSION_CURRENT", condition=lambda m: m.seq == 4).total == len(items) - 1
    for bad, result in ((item(1, p=(math.nan, 0, 0, 0)), M.MAV_MISSION_INVALID_PARAM1),
                        (item(1, lat=95.0), M.MAV_MISSION_INVALID_PARAM5_X),
                        (item(1, frame=1), M.MAV_MISSION_UNSUPPORTED_FRAME)):
        gcs.send("mission_count_send", 1, 1, 2, 0)
        gcs.recv("MISSION_REQUEST", condition=lambda m: m.seq == 0)
        send_item(gcs, item(0))
        gcs.recv("MISSION_REQUEST", condition=lambda m: m.seq == 1)
        send_item(gcs, bad, use_int=bad["lat"] < 90)
        assert gcs.recv("MISSION_ACK").type == result


def test_fence_and_rally_items_have_their_own_transfers(gcs, sim):
    d = 0.002
    poly = [dict(seq=i, command=5001, lat=LAT + a, lon=LON + b, alt=0.0, frame=0, p=(4, 0, 0, 0))
            for i, (a, b) in enumerate(((-d, -d), (-d, d), (d, d), (d, -d)))]
    ack, _ = upload(gcs, poly, mission_type=1)
    assert ack.type == 0 and ack.mission_type == 1
    assert sim.runner.copter(1).fence.poly.inclusion_polys
    gcs.send("param_request_read_send", 1, 1, b"FENCE_TOTAL", -1)
    assert gcs.recv("PARAM_VALUE").param_value == 4
    gcs.send("mission_request_list_send", 1, 1, 1)
    assert gcs.recv("MISSION_COUNT", condition=lambda m: m.mission_type == 1).count == 4
    rally = [dict(seq=0, command=5100, lat=LAT + 0.001, lon=LON, alt=15.0, frame=3, p=(0, 0, 0, 0))]
    assert upload(gcs, rally, mission_type=2)[0].type == 0
    bad = [dict(seq=0, command=16, lat=LAT, lon=LON, alt=0.0, frame=0, p=(0, 0, 0, 0))]
    assert upload(gcs, bad, mission_type=1)[0].type == M.MAV_MISSION_UNSUPPORTED
    gcs.send("mission_request_list_send", 1, 1, 0)
    assert gcs.recv("MISSION_COUNT", condition=lambda m: m.mission_type == 0).count == 1
