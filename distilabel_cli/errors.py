"""Errors a user can fix: shown as one clear message, exit code 2, no traceback."""

from __future__ import annotations

from typing import Any


class DistilError(Exception):
    """A problem with the user's input (spec, data, arguments) or environment."""

    exit_code = 2

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def lines(self) -> list[str]:
        """The message followed by any detail lines."""
        return [self.message, *self.details]


class SpecError(DistilError):
    """The YAML spec is invalid; each detail names file, line and YAML path."""


class RunAborted(DistilError):
    """The run could not go on (e.g. every request failed); finished rows were kept.

    `partial` holds each row's new columns (None where unfinished); `dataset` the finished
    rows as a dataset, once the pipeline has assembled them.
    """

    exit_code = 1
    partial: list[Any] | None = None
    dataset: Any = None


class RunInterrupted(DistilError):
    """Ctrl-C: in-flight requests were abandoned; finished rows are in the checkpoint."""

    exit_code = 130
