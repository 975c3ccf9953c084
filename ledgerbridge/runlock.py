"""The run lock: one ``ledgerbridge run`` (or ``ingest``) at a time per data folder.

The lock is ``fcntl.flock`` on ``<data>/.run.lock``: the kernel grants it to exactly one open
file at a time and releases it when its holder exits, however it exits (SIGKILL included), so
there is no stale lock to detect and no check-then-take race. The file itself is never removed
(removing it would let a second process lock a new file of the same name while the first still
holds the old one); it holds the holder's pid and start time for the error message only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import data_dir


class RunLockedError(LedgerbridgeError):
    """Another run holds the lock."""


def lock_path() -> Path:
    """The lock file of the active data folder."""
    return data_dir() / ".run.lock"


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return "pid ?"
    pid, _, since = text.partition(" ")
    return f"pid {pid or '?'}, since {since or '?'}"


@contextlib.contextmanager
def run_lock(path: Path | None = None) -> Iterator[Path]:
    """Hold the run lock for the duration of the block; raise RunLockedError if another process
    holds it."""
    target = Path(path or lock_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise RunLockedError(
            f"another 'ledgerbridge run' is in progress ({holder}); wait for it to finish"
        ) from None
    try:
        stamp = f"{os.getpid()} {dt.datetime.now().isoformat(timespec='seconds')}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp, 0)
        yield target
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor releases the flock
