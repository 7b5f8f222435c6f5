"""Turn errors into one clear message and an exit code (tracebacks only with --debug)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from distilabel_cli.errors import DistilError
from distilabel_cli.redact import redact

INTERRUPTED_EXIT = 130


def print_error(line: str) -> None:
    """Print to stderr, with the run's secrets masked (servers echo keys in errors)."""
    print(redact(line), file=sys.stderr)


def print_traceback() -> None:
    """The current exception's traceback (--debug), secrets masked."""
    print_error(traceback.format_exc().rstrip())


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Report DistilError as `error: ...` (exit 2), anything else as an unexpected error."""
    try:
        yield
    except DistilError as exc:
        if debug:
            print_traceback()
        lines = exc.lines()
        print_error(f"error: {lines[0]}")
        for line in lines[1:]:
            print_error(f"  {line}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print_error("interrupted")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a CLI
        if debug:
            print_traceback()
        print_error(f"error: unexpected {type(exc).__name__}: {exc}")
        if not debug:
            print_error("  run again with --debug for the traceback")
        raise typer.Exit(1) from None
