"""The AP_Mission walk: nav/do ordering, DO_JUMP repeats, completion, set-current."""
from sim.vehicle import mission_items as mi
from sim.vehicle.mission import COMPLETE, MissionRunner, MissionStore


def build(commands):
    store = MissionStore()
    for c in commands:
        store.append(c)
    log = []
    done = []
    runner = MissionRunner(store, lambda i, c: log.append(("start", i)) or True,
                           lambda i, c: log.append(("verify", i)) or True, lambda: done.append(True),
                           lambda text: log.append(("text", text)))
    return runner, log, done


def wp():
    return mi.from_mavlink(mi.WAYPOINT, 3, (0, 0, 0, 0), 1, 1, 10.0)[1]


def test_nav_and_do_commands_run_in_ardupilot_order_and_the_mission_completes():
    speed = mi.from_mavlink(mi.DO_CHANGE_SPEED, 3, (1, 5, -1, 0), 0, 0, 0.0)[1]
    runner, log, done = build([wp(), speed, wp()])
    runner.start()
    for _ in range(10):
        runner.update()
    starts = [i for kind, i in log if kind == "start"]
    assert starts == [1, 2, 3]
    assert done == [True] and runner.state == COMPLETE
    assert ("text", "Mission: 1 WP") in log and ("text", "Mission: 2 ChangeSpeed") in log


def test_do_jump_repeats_the_loop_the_number_of_times_asked():
    jump = mi.from_mavlink(mi.DO_JUMP, 3, (1, 2, 0, 0), 0, 0, 0.0)[1]
    runner, log, done = build([wp(), wp(), jump, wp()])
    runner.start()
    for _ in range(30):
        runner.update()
    starts = [i for kind, i in log if kind == "start"]
    assert starts == [1, 2, 1, 2, 1, 2, 4]
    assert ("text", "Mission: 3 Jump 2/2") in log


def test_set_current_on_a_stopped_mission_resumes_there():
    runner, log, _ = build([wp(), wp(), wp()])
    assert runner.set_current(2)
    runner.resume()
    assert runner.nav_index == 2
    assert not runner.set_current(9)
