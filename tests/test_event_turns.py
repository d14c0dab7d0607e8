"""Steps chained with `next_turn` let the event loop's due timers run between them."""

from __future__ import annotations

import sys
import time

import pytest

from PySide6.QtCore import QObject, QTimer

from briefing.ui.event_turns import next_turn

OVERDUE_MS = 20  # each step outlasts the timer's 5 ms, so it is due when the step ends


def _busy(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def _chain(qtbot, schedule) -> list[str]:
    """Step 1 starts a 5 ms timer, stays busy past it, then schedules step 2 with `schedule`."""
    order: list[str] = []
    owner = QObject()
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(5)
    timer.timeout.connect(lambda: order.append("timer"))

    def step1():
        order.append("step 1")
        timer.start()
        _busy(OVERDUE_MS)
        schedule(owner, lambda: order.append("step 2"))

    QTimer.singleShot(0, owner, step1)
    qtbot.waitUntil(lambda: len(order) == 3, timeout=5000)
    return order


def test_a_due_timer_runs_between_two_steps(qtbot):
    assert _chain(qtbot, next_turn) == ["step 1", "timer", "step 2"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the glib event dispatcher's order")
def test_a_zero_timer_chain_kept_the_due_timer_waiting(qtbot):
    """Why `next_turn` exists: a zero timer is a posted event, run before due timers."""
    assert _chain(qtbot, lambda owner, step: QTimer.singleShot(0, owner, step)) == ["step 1", "step 2", "timer"]
