"""The `distil` console script: answers `--version` at once, otherwise runs the Typer app.

`app` (the Typer application, in `distilabel_cli.cli.commands`) is imported on first use,
so `distil --version` loads nothing but this module and the version.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from distilabel_cli._version import __version__

if TYPE_CHECKING:
    from distilabel_cli.cli.commands import app


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:
        print(f"distil {__version__}")
        return
    from distilabel_cli.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from distilabel_cli.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]
