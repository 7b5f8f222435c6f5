"""Errors a user can fix: shown as one clear message, exit code 2, no traceback."""

from __future__ import annotations


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
    """The run could not go on (e.g. every request failed); finished rows were kept."""

    exit_code = 1
