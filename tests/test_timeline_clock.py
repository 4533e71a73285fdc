"""TimelineClock (reference/timeline_clock.py; C++ timeline_clock.h): a pure function of the step
while its rate holds, so a restart lands where a full run is; a rate change bends it without a jump."""

from stemglue.reference.timeline_clock import TimelineClock, ticks_around


def test_a_restart_lands_where_a_full_run_is():
    full = TimelineClock(0.25, 1e-3)
    values = [full.at(step) for step in range(0, 100_000, 7)]
    restarted = TimelineClock(0.25, 1e-3)
    assert [restarted.at(step) for step in range(0, 100_000, 7)] == values  # bit for bit


def test_a_rate_change_bends_it_without_a_jump():
    clock = TimelineClock(0.0, 0.5)
    before = clock.at(10)
    clock.set_rate(10, 2.0)
    assert clock.at(10) == before == 5.0
    assert clock.at(11) == 7.0
    clock.set_rate(11, 2.0)  # the same rate: no new anchor
    assert clock.anchor_step == 10


def test_a_seek_lands_between_the_ticks_around_it():
    assert ticks_around(0, 32) == (0, 0)
    assert ticks_around(32, 32) == (0, 1)  # on a tick: that tick's values start the next interval
    assert ticks_around(33, 32) == (1, 2)
    assert ticks_around(63, 32) == (1, 2)
