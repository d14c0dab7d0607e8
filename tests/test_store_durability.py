"""kill -9 while writing: every reported commit survives, no transaction is ever half there.

A child process writes to a cache and reports each commit on stdout; the parent kills it with
SIGKILL at a point it chose from those reports (never after a fixed sleep), then reopens the file.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from briefing.store import Store

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

READ_TIMEOUT = 30.0

# Commits one transaction at a time; after each commit prints the total committed so far.
LOOP_SCRIPT = textwrap.dedent(
    """
    import sys
    from briefing.domain.models import Bar
    from briefing.store import Store

    path, batch = sys.argv[1], int(sys.argv[2])
    store = Store.open(path)
    print("open", flush=True)
    n = 0
    while True:
        store.prices.upsert_bars(
            "BIDU", "1d", [Bar(ts=n + i, open=1.0, high=2.0, low=0.5, close=float(n + i)) for i in range(batch)],
            "test",
        )
        n += batch
        print(n, flush=True)
    """
)

# Commits a first batch, then starts one big transaction, reports from inside it once enough rows
# were written for SQLite to spill uncommitted pages into the WAL, and waits there (on stdin) to be
# killed.
BIG_TXN_SCRIPT = textwrap.dedent(
    """
    import sys
    from briefing.domain.models import Bar
    from briefing.store import Store

    path, first, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store.open(path)
    store.prices.upsert_bars("BIDU", "1d", [Bar(i, 1.0, 1.0, 1.0, 1.0) for i in range(first)], "test")
    print("committed", first, flush=True)
    store.db.write(lambda c: c.execute("PRAGMA cache_size = 100"))  # spill early, like a big import

    def big_txn(conn):
        sql = "INSERT INTO bars(symbol, interval, ts, open, high, low, close, volume, source) VALUES (?, '1d', ?, 1, 1, 1, 1, 1, 'big')"
        for i in range(big):
            conn.execute(sql, ("BIG%d" % (i % 7), i))
            if i == big // 2:
                print("inside", i, flush=True)
                sys.stdin.readline()  # blocks until killed: the transaction never reaches COMMIT
        return big

    store.db.write(big_txn)
    print("committed", first + big, flush=True)
    """
)


class Child:
    """A writer subprocess whose stdout lines arrive on a queue (read with a timeout)."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=os.environ.copy(),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=READ_TIMEOUT)
        except queue.Empty:
            self.kill()
            pytest.fail(f"child wrote nothing for {READ_TIMEOUT}s")
        if line is None:
            self.proc.wait(READ_TIMEOUT)
            pytest.fail(f"child exited early ({self.proc.returncode}): {self.proc.stderr.read()}")
        return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(READ_TIMEOUT)
        self._reader.join(READ_TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()
        assert self.proc.returncode == -signal.SIGKILL


def bars_count(store: Store, where: str = "1=1") -> int:
    return store.db.query(f"SELECT count(*) FROM bars WHERE {where}")[0][0]


def reopen(path: Path) -> Store:
    s = Store.open(path)
    assert s.report.checked is True  # the killed child left its marker: the file was checked
    assert s.report.moved_aside_to is None  # and found sound
    assert s.integrity_check() == "ok"
    return s


@pytest.mark.parametrize("batch,min_commits", [(1, 300), (250, 40)])
def test_sigkill_during_commits_loses_nothing_reported(tmp_path, batch, min_commits):
    path = tmp_path / "cache.sqlite3"
    child = Child(LOOP_SCRIPT, str(path), str(batch))
    try:
        assert child.next_line() == "open"
        last = 0
        while last < min_commits * batch:
            n = int(child.next_line())
            assert n == last + batch
            last = n
    finally:
        child.kill()
    assert list(tmp_path.glob(f"cache.sqlite3.open-{child.proc.pid}-*"))  # it never closed

    with reopen(path) as s:
        n = bars_count(s)
        assert n >= last, f"{last} commits were reported but only {n} bars survived"
        assert n % batch == 0, f"{n} bars: a transaction of {batch} was cut in half"
        # exactly the rows 0..n-1 survived, with their values
        assert s.prices.bar_span("BIDU") == (0, n - 1)
        assert s.db.query("SELECT sum(close) FROM bars")[0][0] == n * (n - 1) / 2
        assert s.report.checked  # the dead process's marker made the reopen check the file
    assert not list(tmp_path.glob(f"cache.sqlite3.open-{child.proc.pid}-*"))


def test_sigkill_inside_big_transaction_leaves_it_out(tmp_path):
    path = tmp_path / "cache.sqlite3"
    first, big = 1_000, 100_000
    child = Child(BIG_TXN_SCRIPT, str(path), str(first), str(big))
    try:
        assert child.next_line() == f"committed {first}"
        assert child.next_line() == f"inside {big // 2}"
        # half of the big transaction was already spilled to the WAL, uncommitted
        wal = Path(str(path) + "-wal")
        assert wal.exists() and wal.stat().st_size > 1_000_000
    finally:
        child.kill()

    with reopen(path) as s:
        n = bars_count(s)
        assert n in (first, first + big), f"{n} bars: the big transaction is partly there"
        assert n == first  # it was killed before COMMIT
        assert bars_count(s, "source = 'big'") == 0
        # the cache is writable again
        s.prices.upsert_bars("BIDU", "1d", [], "test")
        s.settings.set("after-crash", True)
        assert s.settings.get("after-crash") is True
