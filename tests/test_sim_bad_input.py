"""Hostile or broken input is answered as ArduPilot would, and never stops the simulator."""
import math
import random
import socket
import struct

import fastcrc

import pytest
from pymavlink import mavutil

from missions.site import load_site
from sim.mavlink.codec import Encoder
from sim.testing import Gcs, connected_gcs, running_sim, wait_sim_time

SITE = load_site("missions/examples/jinji.yaml")
SPEEDUP = 50
M = mavutil.mavlink


@pytest.fixture
def sim():
    with running_sim(SITE, speedup=SPEEDUP, boot_s=2.0) as s:
        wait_sim_time(s, 3.0)
        yield s


@pytest.fixture
def gcs(sim):
    with connected_gcs(sim, SPEEDUP) as g:
        yield g


def test_random_bytes_and_broken_frames_are_survived(sim, gcs):
    host, port = sim.endpoints[0].host, sim.endpoints[0].tcp_port
    rng = random.Random(11)
    enc = Encoder(255, 190)
    good = enc.frame(76, (1, 1, 400, 0, 7.0, 0, 0, 0, 0, 0, 0))
    header = struct.pack("<BBBBBBBHB", 0xFD, 4, 0, 0, 9, 255, 190, 60000 & 0xFFFF, 60000 >> 16)
    body = header + b"\x01\x02\x03\x04"
    unknown_message = body + struct.pack("<H", fastcrc.crc16.mcrf4xx(body[1:], 0xFFFF))
    with socket.create_connection((host, port)) as s:
        for _ in range(50):
            s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))))
            s.sendall(good[:-2] + b"\x00\x00")                                   # bad CRC
            s.sendall(b"\xfd\xff" + bytes(300))                                   # length overflow
            s.sendall(unknown_message)                                             # valid frame, unknown id
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(20):
        udp.sendto(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 1500))), (host, sim.endpoints[0].udp_port))
    udp.close()
    wait_sim_time(sim, sim.runner.sim_time + 2.0)
    assert sim.alive
    assert gcs.command(512, 148).result == 0


def test_messages_for_another_system_or_component_get_no_answer(gcs):
    gcs.send("command_long_send", 7, 1, 512, 0, 148, 0, 0, 0, 0, 0, 0)
    gcs.send("command_long_send", 1, 100, 512, 0, 148, 0, 0, 0, 0, 0, 0)
    gcs.send("param_set_send", 9, 1, b"RTL_ALT", 3000, 9)
    with pytest.raises(AssertionError):
        gcs.recv(["COMMAND_ACK", "PARAM_VALUE"], timeout=0.5)
    gcs.send("command_long_send", 0, 0, 512, 0, 148, 0, 0, 0, 0, 0, 0)              # broadcast is ours
    assert gcs.recv("COMMAND_ACK").result == 0


def test_nan_unknown_and_out_of_range_parameters(gcs):
    gcs.send("param_set_send", 1, 1, b"RTL_ALT", math.nan, 9)
    gcs.send("param_set_send", 1, 1, b"NO_SUCH_THING", 1.0, 9)
    gcs.send("param_set_send", 1, 1, b"WPNAV_SPEED", math.inf, 9)
    with pytest.raises(AssertionError):
        gcs.recv("PARAM_VALUE", timeout=0.5)
    gcs.send("param_request_read_send", 1, 1, b"RTL_ALT", -1)
    value = gcs.recv("PARAM_VALUE")
    assert (value.param_id, value.param_value, value.param_index) == ("RTL_ALT", 1500.0, 65535)
    assert gcs.set_param("DISARM_DELAY", 1000).param_value == 127.0       # int8: clamped like AP_Param
    gcs.send("param_request_read_send", 1, 1, b"NO_SUCH_THING", -1)
    with pytest.raises(AssertionError):
        gcs.recv("PARAM_VALUE", timeout=0.5)
    gcs.send("param_set_send", 1, 1, b"FORMAT_VERSION", 3, 4)
    gcs.text("Param write denied (FORMAT_VERSION)")


def test_nonsense_commands_and_targets_are_refused_without_harm(sim, gcs):
    assert gcs.command(400, 7).result == M.MAV_RESULT_UNSUPPORTED              # arm with param1 7
    assert gcs.command(176, 0, 4).result == M.MAV_RESULT_DENIED                 # base mode without custom flag
    assert gcs.command(176, 1, 77).result == M.MAV_RESULT_FAILED                # no mode 77
    gcs.text("No such mode 77")
    assert gcs.command(178, 1, math.nan).result == M.MAV_RESULT_DENIED          # change speed to NaN
    assert gcs.command(22, 0, 0, 0, 0, 0, 0, math.nan).result == M.MAV_RESULT_FAILED
    assert gcs.command(300, 2, 0).result == M.MAV_RESULT_DENIED                 # MISSION_START with items
    assert gcs.set_mode(4).result == 0
    c = sim.runner.copter(1)
    gcs.send("set_position_target_global_int_send", 0, 1, 1, 6, 0xFF8, 1800000000, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0)
    gcs.send("set_position_target_global_int_send", 0, 1, 1, 6, 0xFC7, 0, 0, 0, math.nan, 0, 0, 0, 0, 0, 0, 0)
    wait_sim_time(sim, sim.runner.sim_time + 1.0)
    assert c.mode.number == 4 and c.nav.kind == 0                               # stopped, not flying off
    gcs.send("mission_count_send", 1, 1, 3, 0)
    gcs.recv("MISSION_REQUEST")
    gcs.conn.close()                                                            # uploader vanishes mid-transfer
    other = Gcs(sim.url(), SPEEDUP)
    try:
        other.heartbeats(True)
        wait_sim_time(sim, sim.runner.sim_time + 1.0)
        other.send("mission_count_send", 1, 1, 0, 0)
        assert other.recv("MISSION_ACK").type == 0
    finally:
        other.close()
    assert sim.alive


def test_link_outage_and_packet_loss_injected_at_run_time(sim, gcs):
    gcs.request_streams(4)
    gcs.recv("SYSTEM_TIME")
    gcs.send("param_set_send", 1, 1, b"SIM_LINK_OUT", 4.0, 9)
    t0 = sim.runner.sim_time
    gcs.recv("PARAM_VALUE", condition=lambda m: m.param_id == "SIM_LINK_OUT")      # the reply leaves first
    back = gcs.recv("SYSTEM_TIME", timeout=10, condition=lambda m: m.time_boot_ms / 1000.0 > t0 + 0.5)
    assert back.time_boot_ms / 1000.0 >= t0 + 3.5                                  # nothing in between
    gcs.send("param_set_send", 1, 1, b"SIM_LINK_LOSS", 50.0, 9)                 # the reply may well be lost
    wait_sim_time(sim, sim.runner.sim_time + 1.0)
    assert sim.runner.copter(1).params["SIM_LINK_LOSS"] == 50
    gcs.drain()
    first = gcs.recv("SYSTEM_TIME", timeout=10)
    n = 0
    while True:
        m = gcs.recv("SYSTEM_TIME", timeout=10)
        n += 1
        if m.time_boot_ms - first.time_boot_ms >= 20000:
            break
    assert 20 <= n <= 60                                                           # ~40 of 80 get through
    for _ in range(40):                                                            # lossy both ways: retry
        gcs.send("param_set_send", 1, 1, b"SIM_LINK_LOSS", 0.0, 9)
        try:
            if gcs.recv("PARAM_VALUE", timeout=0.5, condition=lambda m: m.param_id == "SIM_LINK_LOSS").param_value == 0:
                break
        except AssertionError:
            continue
    assert sim.runner.copter(1).params["SIM_LINK_LOSS"] == 0


def test_reboot_keeps_parameters_and_mission_and_boots_again(sim, gcs):
    gcs.set_param("RTL_ALT", 3000)
    assert gcs.command(511, 2, 2e5).result == 0
    gcs.recv("SYSTEM_TIME", condition=lambda m: m.time_boot_ms > 3500)
    assert gcs.command(246, 1).result == 0
    assert gcs.command(511, 2, 2e5).result == 0                  # streams restart from their defaults
    assert gcs.recv("SYSTEM_TIME", timeout=10, condition=lambda m: m.time_boot_ms < 1000).time_boot_ms < 1000
    gcs.text("ArduPilot Ready", timeout=10)
    gcs.send("param_request_read_send", 1, 1, b"RTL_ALT", -1)
    assert gcs.recv("PARAM_VALUE").param_value == 3000
