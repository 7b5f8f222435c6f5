"""The async engine: rows stream from the generator stage to the labeller stage with no
batch barrier.

A stage is a task and its LLM (`stage.py`). Each LLM bounds its own requests in flight; a
row's labelling starts as soon as its generations are done; results keep input order; a
failed request leaves None in place and its error in the row's `distil_metadata`, and is
requested again by the next run (`row_plan.py`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distilabel_cli.columns import (
    GENERATION_ERRORS,
    GENERATION_MODEL,
    GENERATION_PROMPT,
    LABELLING_ERROR,
    LABELLING_MODEL,
    LABELLING_PROMPT,
    METADATA,
    RAW_GENERATIONS,
    RAW_LABELLING,
)
from distilabel_cli.errors import (
    BudgetReached,
    DistilError,
    FatalLLMError,
    RunAborted,
    StructuredOutputUnsupported,
)
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.pipeline.row_plan import RowPlan, plan_row
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.redact import redact

if TYPE_CHECKING:
    from distilabel_cli.llms.request_cache import RequestCache

#: After this many failed requests in a row (no success in between), one LLM stops the run.
CIRCUIT_BREAKER_REQUESTS = 10
#: Finished rows that may wait for a slower earlier row, per row in flight (bounds memory).
REORDER_ROWS_PER_SLOT = 8

RowCallback = Callable[[int, dict[str, Any]], None]
#: `(index, input row, its new columns)`, called in input order.
RowEmitter = Callable[[int, dict[str, Any], dict[str, Any]], None]


@dataclass
class ParseCounts:
    """How many generated items / labels this run read, could not get, or could not send."""

    generations_ok: int = 0
    generations_failed: int = 0
    generations_skipped: int = 0
    generations_retried: int = 0
    labels_ok: int = 0
    labels_failed: int = 0
    labels_skipped: int = 0
    labels_retried: int = 0


@dataclass
class EngineHooks:
    """Callbacks for progress and checkpoints: (row index, new columns)."""

    on_generated: RowCallback | None = None
    on_labelled: RowCallback | None = None
    on_row_done: RowCallback | None = None


@dataclass
class Engine:
    """Runs a generator and/or a labeller stage over rows; returns each row's new columns.

    A stage may also be given as distilabel 0.6's `LLM(task=...)` (see `Stage.of`).
    """

    generator: Stage | None
    labeller: Stage | None
    num_generations: int = 1
    hooks: EngineHooks = field(default_factory=EngineHooks)
    counts: ParseCounts = field(default_factory=ParseCounts)
    #: Also ask again for answers an earlier run got but could not parse.
    retry_unparsed: bool = False
    #: Answers by request content: what it holds is not asked (nor paid for) again.
    cache: RequestCache | None = None
    #: Says why no new row may start (e.g. the run's budget is spent); None: go on.
    stop_reason: Callable[[], str | None] | None = None

    def __post_init__(self) -> None:
        self.generator = Stage.of(self.generator, "generator")
        self.labeller = Stage.of(self.labeller, "labeller")

    def _llms(self) -> list[LLM]:
        return [stage.llm for stage in (self.generator, self.labeller) if stage is not None]

    def max_rows_in_flight(self) -> int:
        """Enough rows to keep every LLM busy, few enough to bound memory."""
        return max(8, 2 * sum(llm.concurrency for llm in self._llms()))

    async def run(
        self, rows: list[dict[str, Any]], prefilled: dict[int, dict[str, Any]] | None = None
    ) -> list[dict[str, Any] | None]:
        """Process a list of rows; each row's new columns, in order (see `stream`).

        Raises `RunAborted` with `.partial` (None where a row did not finish).
        """
        results: list[dict[str, Any] | None] = [None] * len(rows)

        def keep(index: int, _row: dict[str, Any], columns: dict[str, Any]) -> None:
            results[index] = columns

        try:
            saved = prefilled or {}
            await self.stream(enumerate(rows), lambda index, _row: saved.get(index), keep)
        except RunAborted as error:
            error.partial = results
            raise
        return results

    async def stream(
        self,
        rows: Iterable[tuple[int, dict[str, Any]]],
        saved: Callable[[int, dict[str, Any]], dict[str, Any] | None],
        emit: RowEmitter,
    ) -> None:
        """Process `(index, row)` pairs in increasing index order and `emit(index, row, new
        columns)` for each, in the same order, as soon as it and every earlier row are done.

        `saved(index, row)` gives the columns an earlier run saved for a row (None: nothing): only
        what they lack is requested (a row with generations but no labels is only labelled;
        failed items are retried). Memory stays bounded: at most `max_rows_in_flight()` rows
        are being processed and at most `REORDER_ROWS_PER_SLOT` times that many wait for an
        earlier, slower row. When the run cannot go on, the rows that did finish are still
        emitted (in order, with gaps) and `RunAborted` is raised.
        """
        for llm in self._llms():
            llm.reset_loop_state()
        in_flight = self.max_rows_in_flight()
        slots = asyncio.Semaphore(in_flight)
        reorder_limit = in_flight * REORDER_ROWS_PER_SLOT
        waiting: deque[int] = deque()  # admitted, not yet emitted, in index order
        finished: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        emitted = asyncio.Event()

        def emit_ready() -> None:
            while waiting and waiting[0] in finished:
                index = waiting.popleft()
                emit(index, *finished.pop(index))
            emitted.set()

        async def process(
            index: int, row: dict[str, Any], columns: dict[str, Any], plan: RowPlan
        ) -> None:
            try:
                finished[index] = (row, await self._process_row(index, row, columns, plan))
            finally:
                slots.release()
            emit_ready()

        stopped: str | None = None
        try:
            async with asyncio.TaskGroup() as group:
                for index, row in rows:
                    if self.stop_reason is not None and (stopped := self.stop_reason()):
                        break  # the rows in flight finish (they are paid for); no new one
                    columns = saved(index, row) or {}
                    plan = self.plan(row, columns)
                    while len(waiting) >= reorder_limit:
                        emitted.clear()
                        await emitted.wait()
                    waiting.append(index)
                    if columns and plan.done:
                        finished[index] = (row, columns)
                        emit_ready()
                        continue
                    await slots.acquire()
                    group.create_task(process(index, row, columns, plan))
        except BaseExceptionGroup as failures:
            error = aborted(failures)
            with suppress(Exception):  # finished after a row that never will: kept too
                for index in sorted(finished):
                    emit(index, *finished.pop(index))
            raise error from None
        finally:
            for llm in self._llms():
                await llm.aclose()
        if stopped:
            raise BudgetReached(stopped)

    def plan(self, row: dict[str, Any], saved: dict[str, Any]) -> RowPlan:
        """What `row` still needs after the columns `saved` for it."""
        return plan_row(
            row,
            saved,
            self.generator.task if self.generator else None,
            self.labeller.task if self.labeller else None,
            self.num_generations,
            self.retry_unparsed,
        )

    def generation_prompt(self, row: dict[str, Any]) -> Any:
        """The generator's formatted prompt for a row (None for a row it cannot send)."""
        stage = self.generator
        assert stage is not None
        row = stage.task.task_row(row)
        if stage.task.check_row(row) is not None:
            return None
        return stage.prompt(row)

    async def _process_row(
        self, index: int, row: dict[str, Any], saved: dict[str, Any], plan: RowPlan
    ) -> dict[str, Any]:
        new: dict[str, Any] = dict(saved)
        if plan.generate:
            generated = await self._generate(row, saved, plan.generate)
            new.update(generated)
            if self.hooks.on_generated:
                self.hooks.on_generated(index, generated)
        if plan.label:
            if plan.retry and LABELLING_MODEL in saved:
                self.counts.labels_retried += 1
            labelled = await self._label({**row, **new})
            new.update(labelled)
            if self.hooks.on_labelled:
                self.hooks.on_labelled(index, labelled)
        if self.hooks.on_row_done:
            self.hooks.on_row_done(index, new)
        return new

    async def _generate(
        self, row: dict[str, Any], saved: dict[str, Any], items: list[int]
    ) -> dict[str, Any]:
        """Request generation `items` of a row and merge them into its saved ones."""
        stage, n = self.generator, self.num_generations
        assert stage is not None
        task, llm = stage.task, stage.llm
        row = task.task_row(row)
        problem = task.check_row(row)
        prompt = None
        if problem is not None:
            completions = [Completion(text=None, error=problem)] * len(items)
            self.counts.generations_skipped += len(items)
        else:
            prompt = stage.prompt(row)
            completions = await self._ask(llm, prompt, items, None)
            _check_circuit(llm)
            failed = sum(c.text is None for c in completions)
            self.counts.generations_failed += failed
            self.counts.generations_ok += len(completions) - failed
        if GENERATION_MODEL in saved:
            self.counts.generations_retried += len(items)
        parsed = [
            task.parse_output(c.text, row) if c.text is not None else task.empty_output(row)
            for c in completions
        ]
        columns = _saved_generations(saved, task.output_args_names, n)
        errors = columns[METADATA][GENERATION_ERRORS]
        for k, completion, outputs in zip(items, completions, parsed, strict=True):
            columns[GENERATION_MODEL][k] = completion.model or llm.model_name
            columns[RAW_GENERATIONS][k] = completion.text
            errors[k] = redact(completion.error) if completion.text is None else None
            for name in task.output_args_names:
                columns[name][k] = outputs.get(name)
        columns[GENERATION_PROMPT] = [prompt] * n
        return columns

    async def _label(self, row: dict[str, Any]) -> dict[str, Any]:
        stage = self.labeller
        assert stage is not None
        task = stage.task
        row = task.task_row(row)
        problem = task.check_row(row)
        if problem is not None:
            completion = Completion(text=None, error=problem)
            prompt = None
            self.counts.labels_skipped += 1
        else:
            prompt, completion = await self._ask_judge(stage, row)
        if completion.text is None:
            outputs = task.empty_output(row)
        else:
            outputs = task.parse_output(completion.text, row)
        if problem is None:
            ok, failed = task.count_parsed(outputs, row)
            self.counts.labels_ok += ok
            self.counts.labels_failed += failed
        error = redact(completion.error) if completion.text is None else None
        return {
            LABELLING_MODEL: completion.model or stage.llm.model_name,
            LABELLING_PROMPT: prompt,
            RAW_LABELLING: completion.text,
            **outputs,
            METADATA: {**(row.get(METADATA) or {}), LABELLING_ERROR: error},
        }

    async def _ask_judge(self, stage: Stage, row: dict[str, Any]) -> tuple[Any, Completion]:
        llm = stage.llm
        schema = stage.task.json_schema(row) if stage.structured_output else None
        formatted = stage.prompt(row, structured=schema is not None)
        try:
            [completion] = await self._ask(llm, formatted, [0], schema)
        except StructuredOutputUnsupported:
            formatted = stage.prompt(row, structured=False)
            [completion] = await self._ask(llm, formatted, [0], None)
        _check_circuit(llm)
        return formatted, completion

    async def _ask(
        self, llm: LLM, prompt: Any, samples: list[int], schema: dict[str, Any] | None
    ) -> list[Completion]:
        """One completion per sample index: from the cache where it has them, the rest
        asked in one `agenerate` call (and stored once answered)."""
        cache = self.cache
        if cache is None:
            return exactly(llm, await llm.agenerate(prompt, len(samples), schema), len(samples))
        keys = cache.run_keys(llm, prompt, schema, samples)
        found = await cache.lookup(keys)
        for completion in found.values():
            llm.usage.record_cache_hit(completion)
        missing = [key for key in keys if key not in found]
        if missing:
            asked = exactly(llm, await llm.agenerate(prompt, len(missing), schema), len(missing))
            answers = list(zip(missing, asked, strict=True))
            found.update(answers)
            cache.put(answers)
        return [found[key] for key in keys]


def _saved_generations(saved: dict[str, Any], outputs: tuple[str, ...], n: int) -> dict[str, Any]:
    """Copies of a row's saved generation columns (lists of `n` Nones when none are saved)."""

    def column(values: Any) -> list[Any]:
        values = list(values or [])
        return values + [None] * (n - len(values))

    metadata = saved.get(METADATA) or {}
    names = (GENERATION_MODEL, RAW_GENERATIONS, *outputs)
    columns: dict[str, Any] = {name: column(saved.get(name)) for name in names}
    columns[METADATA] = {GENERATION_ERRORS: column(metadata.get(GENERATION_ERRORS))}
    return columns


def exactly(llm: LLM, completions: list[Completion], count: int) -> list[Completion]:
    """`count` completions: an answer with fewer choices (`choices: []`) fails the rest."""
    if len(completions) >= count:
        return completions[:count]
    missing = count - len(completions)
    error = f"{llm.model_name}: the server answered with {len(completions)} of {count} choices"
    for _ in range(missing):
        llm.usage.record_failure(error)
    return [*completions, *(Completion(text=None, error=error) for _ in range(missing))]


def _check_circuit(llm: LLM) -> None:
    usage = llm.usage
    if usage.consecutive_failures >= CIRCUIT_BREAKER_REQUESTS:
        raise FatalLLMError(
            f"{usage.consecutive_failures} requests in a row to {llm.model_name} failed; "
            f"last error: {usage.last_error}"
        )


def aborted(failures: BaseExceptionGroup) -> RunAborted:
    """One clear `RunAborted` for what stopped the rows' tasks (the first cause found)."""
    for exc in _leaves(failures):
        if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
            raise exc
    first = next(iter(_leaves(failures)))
    if isinstance(first, FatalLLMError):
        return RunAborted(str(first))
    if isinstance(first, DistilError):
        return RunAborted(first.message, details=first.details)
    if isinstance(first, OSError):
        where = f"{first.filename}: " if first.filename else ""
        return RunAborted(f"{where}{first.strerror or first}")
    error = RunAborted(f"{type(first).__name__}: {first}")
    error.__cause__ = first  # `--debug` shows where it came from
    return error


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        leaves += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return leaves
