"""The lockstep clock against a fake wall clock: pacing at any speed-up, no skipped steps."""
from sim.clock import LockstepClock


class Wall:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_steps_are_paced_at_the_speedup():
    wall = Wall()
    clock = LockstepClock(0.02, 10.0, wall)
    clock.start()
    assert not clock.due()
    wall.t += 0.002            # one 20 ms step is due every 2 ms of wall time at 10x
    assert clock.due()
    clock.advance()
    assert not clock.due()
    for _ in range(100):
        wall.t += 0.002
        assert clock.due()
        clock.advance()
    assert abs(clock.now - 2.02) < 1e-9
    assert abs(clock.realtime_factor() - 10.0) < 0.2


def test_real_time_at_speedup_one_and_flat_out_at_zero():
    wall = Wall()
    clock = LockstepClock(0.02, 1.0, wall)
    clock.start()
    wall.t += 0.019
    assert not clock.due()
    wall.t += 0.002
    assert clock.due()
    fast = LockstepClock(0.02, 0.0, wall)
    fast.start()
    assert fast.wait_s() == 0.0 and fast.due()


def test_a_stall_is_forgotten_rather_than_raced_through():
    wall = Wall()
    clock = LockstepClock(0.02, 1.0, wall)
    clock.start()
    wall.t += 5.0              # the host froze for five seconds
    assert clock.due()
    clock.advance()
    assert not clock.due()     # no sprint of 250 steps to catch up
    assert clock.steps == 1
    assert abs(clock.wait_s() - 0.02) < 1e-9   # and the steps after it are paced again
