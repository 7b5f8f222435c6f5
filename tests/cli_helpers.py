"""Run the `distil` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def distil(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m distilabel_cli ARGS` in `cwd` (environment plus `env`), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "distilabel_cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def interruptible() -> None:
    """`preexec_fn` of a `distil` child a test sends SIGINT: Ctrl-C's default action in it,
    even when the test run itself inherited SIGINT ignored (pytest started as a background
    job of a non-interactive shell), which the child would inherit too and then not stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
