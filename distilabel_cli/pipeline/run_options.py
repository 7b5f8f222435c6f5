"""How a pipeline run is set up and driven: its options, the budget, the request cache and
checkpoint they name, the engine's combined hooks, and running the engine's coroutine."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from distilabel_cli.errors import DistilError
from distilabel_cli.pipeline.engine import EngineHooks

if TYPE_CHECKING:
    from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint
    from distilabel_cli.llms.request_cache import RequestCache
    from distilabel_cli.pipeline.report import RunReport

T = TypeVar("T")


@dataclass
class RunOptions:
    """How `Pipeline.run_into` runs (the arguments of `Pipeline.generate`)."""

    num_generations: int = 1
    batch_size: int = 8
    display_progress_bar: bool = False
    checkpoint_strategy: DatasetCheckpoint | bool | None = None
    hooks: EngineHooks | None = None
    retry_unparsed: bool = False
    #: The request cache: a `RequestCache`, a folder, True (the default folder) or None.
    cache: RequestCache | str | Path | bool | None = None
    #: A budget: no new row starts once the run's cost reaches it (None: no budget).
    max_cost: float | None = None


def budget_check(report: RunReport, max_cost: float) -> Callable[[], str | None]:
    """Why no new row may start once the run's cost reached `max_cost` (checked per row)."""
    unpriced = [r.model for r in report.llms if r.pricing is None]
    if unpriced:
        raise DistilError(
            f"run.max_cost: no price is known for {', '.join(unpriced)}; give the LLM a "
            "`pricing:` block (input_per_million, output_per_million)"
        )

    def reached() -> str | None:
        spent = report.cost or 0.0
        if spent < max_cost:
            return None
        return (
            f"the run's cost reached its budget: {spent:.4f} spent, run.max_cost is "
            f"{max_cost:g}; no new row was started. Raise it (--set run.max_cost=...) and run "
            "the same command again to go on"
        )

    return reached


def request_cache(cache: RequestCache | str | Path | bool | None) -> RequestCache | None:
    """The cache a run option names (None: no cache)."""
    from distilabel_cli.llms.request_cache import RequestCache

    if cache is None or cache is False:
        return None
    if isinstance(cache, RequestCache):
        return cache
    return RequestCache(None if cache is True else cache)


def checkpoint_of(strategy: DatasetCheckpoint | bool | None) -> DatasetCheckpoint | None:
    """0.6 accepts `checkpoint_strategy=True` for the default checkpoint."""
    from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint

    if strategy is True:
        return DatasetCheckpoint()
    if strategy is False or strategy is None:
        return None
    if not isinstance(strategy, DatasetCheckpoint):
        raise DistilError(
            f"checkpoint_strategy must be a DatasetCheckpoint, True or None, "
            f"not {type(strategy).__name__}"
        )
    return strategy


def chain_hooks(*hooks: EngineHooks | None) -> EngineHooks:
    """One set of hooks that calls each given set in turn."""
    present = [h for h in hooks if h is not None]

    def combined(name: str) -> Any:
        calls = [getattr(h, name) for h in present if getattr(h, name) is not None]
        if not calls:
            return None
        if len(calls) == 1:
            return calls[0]
        return lambda index, columns: [call(index, columns) for call in calls]

    return EngineHooks(
        on_generated=combined("on_generated"),
        on_labelled=combined("on_labelled"),
        on_row_done=combined("on_row_done"),
    )


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to the end, also from code that already runs an event loop (notebooks)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="distil-pipeline")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
