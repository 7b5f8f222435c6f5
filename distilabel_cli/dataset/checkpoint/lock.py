"""One run per checkpoint: an advisory lock file holding the owner's process id.

The lock is `flock`ed, so the kernel releases it when its process dies: a lock file left by a
killed run is simply taken over by the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from distilabel_cli.errors import DistilError


class CheckpointLock:
    """Held by the run that writes a checkpoint folder; a second run is refused at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    def acquire(self) -> None:
        """Take the lock or raise a `DistilError` naming the process that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DistilError(
                f"checkpoint {self.path.parent} is in use by another distil run (pid {owner}); "
                "wait for it to finish or stop it, or use another checkpoint.path"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing drops the flock
