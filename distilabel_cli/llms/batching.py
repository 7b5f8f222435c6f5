"""Micro-batching: concurrent per-row requests become one blocking batch call.

The engine calls `agenerate` once per row; offline engines (vLLM, transformers) are fastest
when they get many prompts in one call. `MicroBatcher.submit` queues one item and waits; a
single drain task collects items until `max_batch_size` are waiting or the event loop has
run out of other work (no new item over `idle_rounds` loop turns), then runs `run_batch` in
the worker thread and hands each caller its own result. One batch runs at a time; items that
arrive meanwhile form the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class MicroBatcher(Generic[T, R]):
    """Groups concurrent `submit` calls into calls of `run_batch(items) -> results`.

    `run_batch` runs off the event loop in `executor` (a private single worker thread, made
    on first use, when not given) and must return one result per item, in order; if it
    raises, every caller of that batch gets the exception. `batch_sizes` records the size of
    each batch run.
    """

    run_batch: Callable[[list[T]], Sequence[R]]
    max_batch_size: int = 8
    executor: Executor | None = None
    idle_rounds: int = 2
    batch_sizes: list[int] = field(default_factory=list, init=False)
    _pending: list[tuple[T, asyncio.Future[R]]] = field(default_factory=list, init=False)
    _drainer: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _own_executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")

    def _worker(self) -> Executor:
        if self.executor is not None:
            return self.executor
        if self._own_executor is None:
            self._own_executor = ThreadPoolExecutor(1, thread_name_prefix="micro-batch")
        return self._own_executor

    async def submit(self, item: T) -> R:
        """Queue `item` for the next batch and wait for its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            await self._gather_more()
            batch = self._pending[: self.max_batch_size]
            del self._pending[: len(batch)]
            batch = [(item, future) for item, future in batch if not future.done()]
            if not batch:
                continue
            self.batch_sizes.append(len(batch))
            items = [item for item, _ in batch]
            try:
                results = list(await loop.run_in_executor(self._worker(), self.run_batch, items))
                if len(results) != len(items):
                    raise RuntimeError(
                        f"batch function returned {len(results)} results for {len(items)} items"
                    )
            except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _gather_more(self) -> None:
        """Yield to the loop until the batch is full or no new item arrived for a while."""
        quiet = 0
        while len(self._pending) < self.max_batch_size and quiet < self.idle_rounds:
            seen = len(self._pending)
            await asyncio.sleep(0)  # one loop turn: let ready callers submit (not a timed wait)
            quiet = quiet + 1 if len(self._pending) == seen else 0

    def reset_loop_state(self) -> None:
        """Forget the drain task and queue of a finished event loop."""
        self._pending = []
        self._drainer = None

    def close(self) -> None:
        """Stop the worker thread this batcher made itself."""
        if self._own_executor is not None:
            self._own_executor.shutdown(wait=True)
            self._own_executor = None
