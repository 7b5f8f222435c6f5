"""Run the `distil` command in a subprocess, as a user would."""

from __future__ import annotations

import os
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
