"""GUI-thread work split into steps with the event loop's timers running in between.

Why not `QTimer.singleShot(0, step)`: a zero timer is a posted event, and Qt's event dispatcher
(glib's on Linux) lets timers run again only once no posted event is pending. A chain of
zero-timer steps therefore ran as one block for every timer: two 30 ms steps kept a 10 ms timer
waiting 60 ms (tests/test_event_turns.py). The app's timers (the scheduler, the price poller,
the stall log of bench/soak.py) waited for the whole chain.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

NEXT_TURN_MS = 1


def next_turn(receiver: QObject, step: Callable[[], None]) -> None:
    """Run `step` on `receiver`'s thread once due timers have had their turn (a 1 ms timer; it
    is dropped with `receiver`)."""
    QTimer.singleShot(NEXT_TURN_MS, receiver, step)
