"""Fault scenarios: the file format, and faults applied (and undone) at their simulated times."""
import pytest

from missions.errors import UserError
from sim.faults import Fault, FaultInjector, load_scenario, parse_scenario
from sim.vehicle.boot import BootTimeline
from sim.vehicle.copter import Copter, VehicleConfig


def copter():
    return Copter(VehicleConfig(home_lat=31.3105, home_lon=120.678, boot=BootTimeline(5.0)))


def test_a_scenario_is_parsed_sorted_and_targeted(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("faults:\n"
                 "  - {at: 120, fault: gps_loss, duration: 20}\n"
                 "  - {at: 60, vehicle: 2, fault: wind, speed_mps: 8, direction_deg: 270}\n"
                 "  - {at: 90, fault: link_outage, duration: 5}\n")
    events = load_scenario(f)
    assert [e.at_s for e in events] == [60, 90, 120]
    assert events[0].vehicle == 2 and events[0].fault.values["speed_mps"] == 8
    assert events[0].fault.values["turbulence_mps"] == 0.0        # default filled in
    assert events[2].vehicle is None and events[2].fault.duration_s == 20


@pytest.mark.parametrize("doc,message", [
    ({"faults": [{"at": 1, "fault": "gps_los"}]}, "'fault' must be one of"),
    ({"faults": [{"fault": "gps_loss"}]}, "missing 'at'"),
    ({"faults": [{"at": -1, "fault": "gps_loss"}]}, "must be >= 0"),
    ({"faults": [{"at": 1, "fault": "wind", "speed": 3}]}, "unknown key(s) speed"),
    ({"faults": [{"at": 1, "fault": "battery_sag"}]}, "needs volts"),
    ({"faults": [{"at": 1, "fault": "link_outage"}]}, "needs duration"),
    ({"faults": [{"at": "soon", "fault": "gps_loss"}]}, "expected a number"),
    ({"faults": [{"at": 1, "fault": "gps_loss", "vehicle": 0}]}, "system id"),
    ({"fault": []}, "one key 'faults'"),
])
def test_mistakes_are_named_with_file_and_event(doc, message):
    with pytest.raises(UserError) as err:
        parse_scenario(doc, "s.yaml")
    assert message in str(err.value) and "s.yaml" in str(err.value)


def test_unreadable_and_invalid_files_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("faults: [ {at: 1\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_scenario(bad)


def test_faults_fire_at_their_time_and_are_undone_after_their_duration():
    c = copter()
    inj = FaultInjector(c, parse_scenario({"faults": [
        {"at": 2, "fault": "wind", "speed_mps": 9, "direction_deg": 90, "duration": 3},
        {"at": 3, "fault": "gps_loss", "duration": 2}]}))
    seen = []
    for _ in range(400):
        c.step(0.02)
        inj.update(c.t)
        seen.append((round(c.t, 2), c.params["SIM_WIND_SPD"], c.gps.enabled))
    at = dict((t, (w, g)) for t, w, g in seen)
    assert at[1.9] == (0.0, True)
    assert at[2.1] == (9.0, True)
    assert at[3.1] == (9.0, False)
    assert at[5.1] == (0.0, True)
    assert at[7.9] == (0.0, True)


def test_gust_and_battery_level_act_on_the_models_directly():
    c = copter()
    inj = FaultInjector(c)
    inj.apply(Fault("gust", {"speed_mps": 10, "direction_deg": 0}, 4.0))
    winds = []
    for _ in range(250):
        c.step(0.02)
        winds.append(c.wind.speed_now)
    assert max(winds) == pytest.approx(10.0, abs=0.3) and winds[-1] < 0.1
    inj.apply(Fault("battery_level", {"percent": 20}))
    assert c.battery_remaining_pct() in (19, 20)


def test_runtime_sim_parameters_drive_the_same_models():
    c = copter()
    c.params.set("SIM_GPS1_ENABLE", 0)
    c.params.set("SIM_BATT_SAG", 1.5)
    for _ in range(20):
        c.step(0.02)
    assert not c.gps.enabled and c.battery.sag_v == 1.5
    assert c.battery.voltage < 11.2
