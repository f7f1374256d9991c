"""Parameters: ArduPilot's casting rules, the names ground stations and the controller rely on."""
import math

from sim.vehicle.param_table import INT8, INT16, REAL32
from sim.vehicle.params import ParamStore, cast_value


def test_integer_parameters_round_truncate_and_clamp_like_ap_param():
    assert cast_value(2.999, INT16) == 3.0
    assert cast_value(2.4, INT16) == 2.0
    assert cast_value(-2.5, INT16) == -2.0
    assert cast_value(300.0, INT8) == 127.0
    assert cast_value(-1e9, INT16) == -32768.0


def test_floats_are_stored_as_32_bit():
    assert cast_value(0.1, REAL32) != 0.1
    assert abs(cast_value(0.1, REAL32) - 0.1) < 1e-8


def test_unknown_nan_and_infinite_values_are_refused_and_change_nothing():
    p = ParamStore()
    before = p["RTL_ALT"]
    assert p.set("NO_SUCH_PARAM", 1.0) is None
    assert p.set("RTL_ALT", math.nan) is None
    assert p.set("RTL_ALT", math.inf) is None
    assert p["RTL_ALT"] == before


def test_listeners_fire_on_change_only():
    p = ParamStore()
    seen = []
    p.on_change("FENCE_ENABLE", lambda n, v: seen.append(v))
    p.set("FENCE_ENABLE", 0)
    p.set("FENCE_ENABLE", 1)
    assert seen == [1.0]


def test_the_parameters_the_controller_and_clients_use_exist_with_arducopter_defaults():
    p = ParamStore()
    expected = {"MAV_SYSID": 1, "MAV_GCS_SYSID": 255, "FS_GCS_ENABLE": 0, "FS_GCS_TIMEOUT": 5, "WPNAV_SPEED": 1000,
                "WPNAV_SPEED_UP": 250, "WPNAV_SPEED_DN": 150, "RTL_ALT": 1500, "RTL_LOIT_TIME": 5000,
                "LAND_SPEED": 50, "FENCE_ENABLE": 0, "FENCE_TYPE": 7, "FENCE_ACTION": 1, "FENCE_RADIUS": 300,
                "FENCE_ALT_MAX": 100, "BATT_LOW_VOLT": 10.5, "BATT_FS_LOW_ACT": 0, "BATT_CAPACITY": 3300,
                "DISARM_DELAY": 10, "ARMING_CHECK": 1, "FS_OPTIONS": 16, "SR0_PARAMS": 10, "SR0_EXT_STAT": 0}
    for name, value in expected.items():
        assert p[name] == value, name
    assert "SYSID_THISMAV" not in p          # renamed MAV_SYSID in 4.7
    assert len(p) > 600
    described = [p.by_index(i) for i in range(len(p))]
    assert [d.index for d in described] == list(range(len(p)))
    assert all(len(d.name) <= 16 for d in described)


def test_battery_reset_swaps_the_pack_and_clears_its_failsafe():
    """MAV_CMD_BATTERY_RESET (ardupilotmega 42651), as a battery-swapping dock sends it."""
    from missions.site import load_site as _load
    from sim.faults import Fault
    from sim.testing import Gcs, running_sim, wait_sim_time

    with running_sim(_load("missions/examples/jinji.yaml"), speedup=40, boot_s=5.0) as sim:
        gcs = Gcs(sim.url(), 40)
        try:
            gcs.heartbeats(True)
            gcs.request_streams(4)
            sim.runner.inject(Fault("battery_level", {"percent": 10}))
            wait_sim_time(sim, sim.runner.sim_time + 2)
            assert gcs.recv("SYS_STATUS", 5, lambda m: 0 <= m.battery_remaining <= 12).battery_remaining <= 12
            assert gcs.command(42651, 1, 150).result == 2      # DENIED: not a percentage
            assert gcs.command(42651, 1, 100).result == 0      # ACCEPTED: a fresh pack
            assert gcs.recv("SYS_STATUS", 5, lambda m: m.battery_remaining >= 98).battery_remaining >= 98
            assert sim.runner.copter(1).battery_failsafe_level == 0
        finally:
            gcs.close()
