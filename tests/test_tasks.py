"""The background-task runner and the scheduler skeleton."""

from __future__ import annotations

import threading

import pytest

from briefing.services.scheduler import Job, Scheduler
from briefing.services.tasks import TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    r.shutdown()


def test_result_is_delivered_on_the_gui_thread(qtbot, runner):
    gui = threading.current_thread()
    seen = {}

    def work():
        seen["worker"] = threading.current_thread()
        return 42

    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(work, lambda r: seen.update(result=r, thread=threading.current_thread()))
    assert seen["result"] == 42
    assert seen["worker"] is not gui
    assert seen["thread"] is gui


def test_error_reaches_on_error_and_the_log(qtbot, runner, caplog):
    errors = []
    with qtbot.waitSignal(runner.idle, timeout=5000):
        runner.run(lambda: 1 / 0, lambda r: errors.append("no"), errors.append, name="divide")
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)
    assert "divide failed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_error_without_handler_is_announced(qtbot, runner):
    with qtbot.waitSignal(runner.failed, timeout=5000) as sig:
        runner.run(lambda: (_ for _ in ()).throw(ValueError("bad feed")), name="feed")
    assert sig.args == ["feed", "bad feed"]


def test_failing_result_handler_is_announced_not_swallowed(qtbot, runner):
    def handler(_):
        raise RuntimeError("handler broke")

    with qtbot.waitSignal(runner.failed, timeout=5000) as sig:
        runner.run(lambda: 1, handler, name="job")
    assert "handler broke" in sig.args[1]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_scheduler_runs_due_jobs_and_backs_off_on_failure(qtbot, runner):
    clock = FakeClock()
    sched = Scheduler(runner, clock=clock, seed=1)
    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        raise ConnectionError("offline")

    sched.add(Job("quotes", 60, flaky))
    with qtbot.waitSignal(sched.job_failed, timeout=5000):
        sched.tick()
    job = sched.job("quotes")
    first_wait = job.next_due - clock.now
    assert job.failures == 1 and 0.8 * 120 <= first_wait <= 1.2 * 120
    sched.tick()  # not due yet: nothing runs
    assert calls["n"] == 1
    clock.now = job.next_due
    with qtbot.waitSignal(sched.job_failed, timeout=5000):
        sched.tick()
    assert job.failures == 2 and job.next_due - clock.now >= 0.8 * 240


def test_scheduler_skips_jobs_that_may_not_run(qtbot, runner):
    clock = FakeClock()
    sched = Scheduler(runner, clock=clock)
    ran = []
    sched.add(Job("hk-quotes", 30, lambda: ran.append(1), may_run=lambda: False))
    sched.tick()
    assert ran == [] and runner.pending == 0
    assert sched.job("hk-quotes").next_due == clock.now + 30


def test_scheduler_success_resets_failures(qtbot, runner):
    clock = FakeClock()
    sched = Scheduler(runner, clock=clock)
    results = []
    sched.add(Job("ok", 10, lambda: "fresh", on_result=results.append))
    sched.job("ok").failures = 3
    with qtbot.waitSignal(sched.job_done, timeout=5000):
        sched.tick()
    assert results == ["fresh"] and sched.job("ok").failures == 0


def test_result_for_a_deleted_widget_is_dropped(qtbot, runner):
    """A dialog closed while its read runs must not get the result (its widgets are gone)."""
    from PySide6.QtWidgets import QComboBox

    class Dialog(QComboBox):
        def fill(self, items):
            self.addItems(items)  # would raise on a deleted C++ object

    dialog = Dialog()
    release = threading.Event()
    runner.run(lambda: (release.wait(5), ["a"])[1], dialog.fill, name="fill")
    import shiboken6

    shiboken6.delete(dialog)
    with qtbot.assertNotEmitted(runner.failed), qtbot.waitSignal(runner.idle, timeout=5000):
        release.set()


def test_nothing_starts_after_shutdown(qtbot, runner):
    """A store notification reaching a closing window must not start reads of a closed cache."""
    import threading

    ran = threading.Event()
    runner.shutdown()
    runner.run(ran.set, name="late read")
    assert runner.pending == 0
    runner.pool.waitForDone(1000)
    assert not ran.is_set()


def test_results_that_arrive_together_are_delivered_with_due_timers_between(qtbot, runner):
    """One result per pass of the event loop's timers: back to back, three slow result handlers
    kept every timer (the app's, the stall log's) waiting for all three (event_turns.py)."""
    import time

    from PySide6.QtCore import QTimer

    order = []
    timer = QTimer(runner)
    timer.setSingleShot(True)
    timer.setInterval(5)
    timer.timeout.connect(lambda: order.append("timer"))

    def handled(name):
        order.append(name)
        if len(order) == 1:  # the first delivered (any of the three) is slow, past the timer's due time
            timer.start()
            end = time.perf_counter() + 0.02
            while time.perf_counter() < end:
                pass

    for name in ("r1", "r2", "r3"):
        runner.run(lambda n=name: n, handled)
    assert runner.pool.waitForDone(5000)  # all three results are queued for the GUI thread now
    qtbot.waitUntil(lambda: len(order) == 4, timeout=5000)
    assert order[1] == "timer" and sorted(order[:1] + order[2:]) == ["r1", "r2", "r3"]
