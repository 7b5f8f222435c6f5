"""Every exception a user may see or catch, in one module.

`DistilError` and its subclasses are shown as one clear message (`error: ...` plus detail
lines) with their `exit_code` and no traceback (`--debug` shows it); the LLM errors below are
how backends tell the engine what a failed request means.
"""

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


class RunFailed(DistilError):
    """The run finished, but too many of its requests failed (exit 1; outputs written)."""

    exit_code = 1

    def __init__(self, outcome: Any, threshold: float, checkpoint: Any) -> None:
        report = outcome.report
        again = (
            "run the same command again to request only the failed items"
            if checkpoint is not None
            else "enable the checkpoint to retry only the failed items"
        )
        super().__init__(
            f"{report.failed_requests} of {report.requests} requests failed "
            f"({report.failed_fraction:.0%}, over run.max_failed_fraction {threshold:.0%})",
            details=[f"the dataset was written to {outcome.output}; {again}"],
        )
        self.outcome = outcome


class FatalLLMError(Exception):
    """An error no retry can fix (bad API key, unknown model): the run stops."""


class StructuredOutputUnsupported(Exception):
    """The backend refused the JSON-schema request; ask again in plain text."""


class TransientError(Exception):
    """A failed attempt worth retrying: 429, 5xx, a timeout, a lost connection."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class CheckpointMismatch(DistilError):
    """The checkpoint was made by another pipeline or for other input rows."""


class HubPushError(DistilError):
    """The upload failed (refused, unreachable Hub): exit 1, naming the repo and the reason."""

    exit_code = 1


class MissingExtraError(DistilError):
    """An optional extra (ray, sentence-transformers, the default model package, ...) is not
    installed."""


class BudgetReached(RunAborted):
    """`run.max_cost` was reached: no new row was started, the rows in flight finished."""
