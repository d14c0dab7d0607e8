"""The SQLite file: opening it safely, one writer thread, concurrent readers.

Every write is a function run on the single writer thread inside `BEGIN IMMEDIATE ... COMMIT`,
so threads of this process never contend for the write lock; another process (the CLI while the
app runs) waits on `busy_timeout`. Readers use one connection per thread and see committed data
(WAL).
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from briefing.store import schema
from briefing.store.changes import Change, ChangeBus

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000
DIRTY_MARKER_INFIX = ".open-"  # one marker per process that has the cache open


class StoreError(Exception):
    """A cache problem the user must hear about, in one line."""


class SchemaTooNewError(StoreError):
    pass


class DataDirNotWritableError(StoreError):
    pass


class StoreClosedError(StoreError):
    pass


@dataclass(frozen=True)
class OpenReport:
    """How opening went: a bad file moved aside is reported, never silently replaced."""

    path: Path
    schema_version: int
    moved_aside_to: Path | None = None
    reason: str = ""
    created: bool = False
    checked: bool = False  # integrity-checked because the last run did not close cleanly


MAX_IDLE_READERS = 6  # read connections kept open between reads (the task pool runs 4 threads)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _move_aside(path: Path, reason: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, Path(str(target) + suffix))
    log.warning("cache %s moved aside to %s: %s", path, target, reason)
    return target


def _check_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DataDirNotWritableError(f"data directory {directory} is not writable: {exc.strerror or exc}") from exc


def _new_marker(path: Path) -> Path:
    """A marker for one open Database: `<cache>.open-<pid>-<unique>`."""
    return path.with_name(f"{path.name}{DIRTY_MARKER_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_markers(path: Path) -> list[Path]:
    """Markers left by processes that died with the cache open: the file needs a check."""
    stale = []
    for m in path.parent.glob(f"{path.name}{DIRTY_MARKER_INFIX}*"):
        pid = m.name[len(path.name) + len(DIRTY_MARKER_INFIX):].split("-", 1)[0]
        if not pid.isdigit() or (int(pid) != os.getpid() and not _pid_alive(int(pid))):
            stale.append(m)
    return stale


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Damage to the file, as opposed to a lock, a full disk or a bug: only damage moves it aside."""
    text = str(exc).lower()
    return any(s in text for s in ("not a database", "malformed", "integrity check failed", "corrupt"))


def _header_ok(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(16)
    return head == SQLITE_HEADER or head == b""


class Database:
    """One cache file with one writer thread. Use `Database.open(path)`."""

    def __init__(self, path: Path, writer: sqlite3.Connection, report: OpenReport, marker: Path | None = None) -> None:
        self.path = path
        self._marker = marker
        self._submit_lock = threading.Lock()
        self.report = report
        self.changes = ChangeBus()
        self._writer_conn = writer
        self._jobs: queue.Queue = queue.Queue()
        self._readers: list[sqlite3.Connection] = []  # every read connection open, idle or lent
        self._idle: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run_writer, name="store-writer", daemon=True)
        self._thread.start()

    # ----- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> Database:
        """Open or create the cache, moving an unreadable file aside and migrating forwards."""
        path = Path(path)
        _check_writable(path.parent)
        dirty = _stale_markers(path)
        moved, reason, checked = None, "", False
        existed = path.exists() and path.stat().st_size > 0
        if path.exists() and not _header_ok(path):
            moved, reason = _move_aside(path, "not an SQLite file"), "the file is not an SQLite database"
            existed = False
        conn = None
        try:
            conn = _connect(path)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > schema.LATEST:
                conn.close()
                raise SchemaTooNewError(
                    f"cache {path} has schema version {version}, newer than this version of the app "
                    f"understands ({schema.LATEST}); it was left untouched. Upgrade the app or use "
                    "another --data-dir."
                )
            if existed and dirty:
                checked = True
                result = conn.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise sqlite3.DatabaseError(f"integrity check failed: {result}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            version = schema.migrate(conn)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if not _is_corruption(exc):
                raise StoreError(f"cannot open cache {path}: {exc}") from exc
            moved, reason = _move_aside(path, str(exc)), f"the file was damaged ({exc})"
            existed = False
            conn = _connect(path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            version = schema.migrate(conn)
        for stale in dirty:
            stale.unlink(missing_ok=True)
        marker = _new_marker(path)
        marker.write_text(str(os.getpid()))
        report = OpenReport(path, version, moved, reason, created=not existed, checked=checked)
        return cls(path, conn, report, marker)

    # ----- writing ---------------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[[sqlite3.Connection], T],
        changes: Iterable[Change] | Callable[[T], Iterable[Change]] = (),
    ) -> Future[T]:
        """Queue `fn(conn)` for the writer thread; it runs in one transaction."""
        fut: Future[T] = Future()
        with self._submit_lock:  # never queued behind close()'s stop sentinel
            if self._closed:
                raise StoreClosedError("the cache is closed")
            self._jobs.put((fn, changes, fut))
        return fut

    def write(self, fn: Callable[[sqlite3.Connection], T], changes=()) -> T:
        """Run `fn(conn)` on the writer thread and wait for its result (or its exception)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("write() called from the writer thread; call fn directly")
        return self.submit(fn, changes).result()

    def _run_writer(self) -> None:
        conn = self._writer_conn
        while True:
            job = self._jobs.get()
            if job is None:
                break
            fn, changes, fut = job
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                result = self._transaction(conn, fn)
            except BaseException as exc:  # delivered to the caller, never lost
                fut.set_exception(exc)
                continue
            try:  # listeners hear of the change before the writer's caller resumes
                batch = changes(result) if callable(changes) else changes
                self.changes.publish(batch)
            except Exception:
                log.exception("publishing changes failed")
            fut.set_result(result)

    @staticmethod
    def _transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        for attempt in range(5):
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:  # another process holds the lock past busy_timeout
                if "locked" not in str(exc) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        try:
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # ----- reading ---------------------------------------------------------------------------
    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` on a read connection lent from a small pool.

        Not one connection per thread: Qt's pool retires idle threads and starts new ones, and a
        connection kept per thread was never closed (hundreds of open files and their page caches
        after ten minutes). At most `MAX_IDLE_READERS` stay open between reads."""
        if self._closed:
            raise StoreClosedError("the cache is closed")
        conn = self._lend_reader()
        try:
            return fn(conn)
        finally:
            self._return_reader(conn)

    def _lend_reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._idle:
                return self._idle.pop()
        conn = _connect(self.path)
        conn.execute("PRAGMA query_only = ON")
        with self._readers_lock:
            self._readers.append(conn)
        return conn

    def _return_reader(self, conn: sqlite3.Connection) -> None:
        with self._readers_lock:
            if not self._closed and len(self._idle) < MAX_IDLE_READERS:
                self._idle.append(conn)
                return
            if conn in self._readers:
                self._readers.remove(conn)
        conn.close()

    @property
    def open_readers(self) -> int:
        """Read connections open now (for tests and the soak benchmark)."""
        with self._readers_lock:
            return len(self._readers)

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        def run(conn: sqlite3.Connection) -> list:
            cur = conn.execute(sql, params)
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

        return self.read(run)

    # ----- closing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Finish queued writes, checkpoint, and mark the file as cleanly closed."""
        with self._submit_lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        self._thread.join()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._idle.clear()
        try:
            self._writer_conn.execute("PRAGMA optimize")
            self._writer_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            log.warning("checkpoint at close failed", exc_info=True)
        self._writer_conn.close()
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        return self._closed
