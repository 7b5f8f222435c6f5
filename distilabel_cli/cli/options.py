"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
ConfigArg = Annotated[
    Path, typer.Argument(help="Pipeline spec (YAML).", dir_okay=False, show_default=False)
]
