"""`-v/--verbose`, `-q/--quiet` and `--log-file` on every command: logs through `logging`.

Messages of distil's loggers (`distilabel_cli.*`) go to stderr through rich's handler:
notices (`notice.py`: a batch's status) and warnings by default, info with `-v`, debug with
`-vv`, errors only with `-q`. Python warnings (e.g. a library's deprecation) are logged too,
never silently dropped. `--log-file FILE` also writes every debug message, with time and
logger, to FILE. Both handlers mask secrets.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

LOGGER = "distilabel_cli"
F = TypeVar("F", bound=Callable[..., Any])

Verbose = Annotated[
    int,
    typer.Option(
        "--verbose", "-v", count=True, help="More messages: -v info, -vv debug.", show_default=False
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors (and no progress bars).")]
LogFile = Annotated[
    Path | None,
    typer.Option("--log-file", help="Also write every message (debug level) to this file."),
]

#: Set by `--quiet` for the command that runs (e.g. `distil run` then shows no progress).
state = {"quiet": False}


def configure_logging(verbose: int = 0, quiet: bool = False, log_file: Path | None = None) -> None:
    """Route distil's loggers and Python warnings as the options say (idempotent)."""
    from rich.console import Console
    from rich.logging import RichHandler

    from distilabel_cli.notice import NOTICE
    from distilabel_cli.redact import RedactingFilter

    state["quiet"] = quiet
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else NOTICE)
    )
    reset_logging()
    logger = logging.getLogger(LOGGER)
    console = RichHandler(
        console=Console(stderr=True), show_time=False, show_path=verbose > 1, markup=False
    )
    console.setLevel(level)
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(to_file)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler._distil = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if log_file is not None else level)
    logging.captureWarnings(True)
    warnings_logger = logging.getLogger("py.warnings")
    for handler in handlers:
        warnings_logger.addHandler(handler)


def reset_logging() -> None:
    """Take the handlers `configure_logging` added off again (tests, embedding code)."""
    for name in (LOGGER, "py.warnings"):
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if getattr(h, "_distil", False)]:
            logger.removeHandler(handler)
            handler.close()
    logging.getLogger(LOGGER).setLevel(logging.NOTSET)
    logging.captureWarnings(False)


def with_logging_options(command: F) -> F:
    """`command` with `-v/--verbose`, `-q/--quiet` and `--log-file` added to its options."""

    @functools.wraps(command)
    def wrapper(
        *args: Any, verbose: int = 0, quiet: bool = False, log_file: Any = None, **kwargs: Any
    ) -> Any:
        configure_logging(verbose, quiet, log_file)
        return command(*args, **kwargs)

    signature = inspect.signature(command, eval_str=True)  # typer reads the Annotated options
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, default, kind in (
            ("verbose", 0, Verbose),
            ("quiet", False, Quiet),
            ("log_file", None, LogFile),
        )
    ]
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    wrapper.__annotations__ = {
        **getattr(command, "__annotations__", {}),
        "verbose": Verbose,
        "quiet": Quiet,
        "log_file": LogFile,
    }
    return wrapper  # type: ignore[return-value]
