"""The GUI process's tuning: malloc arenas limited (a subprocess: the limit is for a whole process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from briefing import process_tuning

COUNT_ARENAS = textwrap.dedent("""
    import ctypes, ctypes.util, sys, tempfile, threading
    from briefing.process_tuning import limit_malloc_arenas
    print(limit_malloc_arenas())
    allocated = threading.Barrier(9)  # the 8 threads and this one
    hold = threading.Event()
    def allocate():
        kept = [bytearray(200) for _ in range(20000)]  # noqa: F841 - allocated while the others do
        allocated.wait()
        hold.wait()
    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for t in threads:
        t.start()
    allocated.wait(timeout=30)  # every thread has allocated: count the arenas now
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, (ctypes.c_char_p, ctypes.c_char_p)
    libc.malloc_info.argtypes, libc.fclose.argtypes = (ctypes.c_int, ctypes.c_void_p), (ctypes.c_void_p,)
    path = tempfile.mktemp()
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(path).read().count("<heap nr="))
    hold.set()
""")


def _arenas(env: dict) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", COUNT_ARENAS], capture_output=True, text=True, env=env,
                         timeout=60, check=True).stdout.split()
    return out[0], int(out[1])


def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc only")
def test_threads_share_two_malloc_arenas_unless_the_user_chose():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    limited, arenas = _arenas(env)
    assert limited == "True" and arenas <= process_tuning.MALLOC_ARENAS
    chosen, arenas = _arenas(dict(env, MALLOC_ARENA_MAX="4"))
    assert chosen == "False" and arenas <= 4  # the user's choice is left alone


def test_gil_turns_are_a_fifth_of_a_millisecond():
    before = sys.getswitchinterval()
    try:
        process_tuning.shorten_gil_turns()
        assert sys.getswitchinterval() == pytest.approx(0.0002)
    finally:
        sys.setswitchinterval(before)


def test_loading_for_good_pauses_collections_and_freezes_what_was_loaded():
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with process_tuning.loading_for_good():
            assert not gc.isenabled()
            loaded = [[i] for i in range(1000)]  # what an import leaves behind: tracked, long-lived
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(loaded)
        with pytest.raises(ImportError):
            with process_tuning.loading_for_good():
                raise ImportError("a failed import")
        assert gc.isenabled()  # collections come back after a failure too
        gc.disable()  # another thread's import is still running: it turns them back on, not this one
        with process_tuning.loading_for_good():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
