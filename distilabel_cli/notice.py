"""NOTICE, a log level between INFO and WARNING: what a user wants to see by default while a
long run works (a Batch API batch's status, a batch left running, records pushed to Argilla,
vectors skipped) but `-q` hides and `--log-file` keeps. With no logging configured at all
(the Python API, no handler anywhere), a notice is printed to stderr, secrets masked, so
that it is not lost.
"""

from __future__ import annotations

import logging
import sys

from distilabel_cli.redact import redact

NOTICE = 25
logging.addLevelName(NOTICE, "NOTICE")


def notice(logger: logging.Logger, message: str) -> None:
    """Log `message` at NOTICE on `logger` (printed to stderr when nothing handles logs)."""
    if logger.hasHandlers():
        logger.log(NOTICE, "%s", message)
    else:
        print(redact(message), file=sys.stderr, flush=True)
