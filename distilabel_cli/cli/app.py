"""The `distil` console script: answers `--version` at once, otherwise runs the Typer app.

`app` (the Typer application, in `distilabel_cli.cli.commands`) is imported on first use,
so `distil --version` loads nothing but this module and the version.
"""

from __future__ import annotations

import gc
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

    try:
        app()
    finally:
        leave_the_heap_to_the_os()


def leave_the_heap_to_the_os() -> None:
    """The command is done and the process ends: stop the cyclic garbage collector, whose
    collections while the interpreter tears down its modules walk the whole heap (0.45 s
    after a `distil run` that loaded datasets, pyarrow and the report's plotting). Objects
    are still released as their modules go; atexit handlers, weakref finalizers and
    ProcessLLM children's shutdown run as before. Every file a command writes is closed
    before it returns."""
    gc.disable()
    gc.freeze()


def __getattr__(name: str) -> Any:
    if name == "app":
        from distilabel_cli.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]
