"""Atomic writes: a crash, a kill or a full disk never leaves half a file where the old one was.

Each file is written to a temporary file in the same directory, flushed to disk, then renamed
over the target (`os.replace` is atomic on one file system). Until the rename, readers see the
previous file; after it, the new one. A path that cannot be written gives one `ExportPathError`
naming the path and the reason, before any work is lost.
"""

from __future__ import annotations

import errno
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = ".briefing-"
TEMP_SUFFIX = ".part"
STALE_TEMP_S = 3600  # leftovers of a killed export, older than this, are removed by the next one


class ExportPathError(OSError):
    """The output path cannot be written; the message says which path and why, in one line."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied" if exc.errno != errno.EROFS else "read-only file system"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.ENOENT:
        return "the folder does not exist"
    if exc.errno == errno.EISDIR:
        return "it is a folder"
    return exc.strerror or str(exc)


def path_error(path: Path, exc: OSError) -> ExportPathError:
    reason = _reason(exc)
    if exc.errno == errno.ENOENT and Path(path).parent.is_dir():
        reason = "the folder does not accept new files"
    err = ExportPathError(exc.errno or 0, f"cannot write {path}: {reason}")
    err.filename = str(path)
    return err


def check_target(path: Path, *, create_folder: bool = False) -> None:
    """Fail early, with one clear error, when `path` can never be written.

    With `create_folder`, missing folders on the way are created (like `mkdir -p`).
    """
    if path.is_dir():
        raise path_error(path, IsADirectoryError(errno.EISDIR, "Is a directory"))
    parent = path.parent
    if not parent.exists():
        existing = next((p for p in parent.parents if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise path_error(path, NotADirectoryError(errno.ENOTDIR, "Not a directory"))
        if not create_folder:
            raise path_error(path, FileNotFoundError(errno.ENOENT, "No such file or directory"))
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise path_error(path, exc) from exc
    if not parent.is_dir():
        raise path_error(path, NotADirectoryError(errno.ENOTDIR, "Not a directory"))


def _file_mode(target: Path) -> int:
    """The target's current mode, else what a plain `open()` would give (0o666 minus the umask)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = 0o022
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o666 & ~umask


def _remove_stale(parent: Path, name: str) -> None:
    cutoff = time.time() - STALE_TEMP_S
    for leftover in parent.glob(f"{TEMP_PREFIX}{name}.*{TEMP_SUFFIX}"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass


def _fsync_dir(parent: Path) -> None:
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error it becomes `path`.

    For writers that want a file name (Qt's PDF writer). On error the temporary file is removed
    and the old `path` is untouched.
    """
    path = Path(path)
    check_target(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise path_error(path, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, ExportPathError):
            raise path_error(path, exc) from exc
        raise
    _fsync_dir(path.parent)
    _remove_stale(path.parent, path.name)


def write_atomic(path: Path, data: bytes | Callable[[object], None]) -> Path:
    """Write bytes (or let `data(file)` write into a binary file) atomically to `path`."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
    return Path(path)
