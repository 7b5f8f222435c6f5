"""The async engine: rows stream from generator to labeller with no batch barrier.

Each LLM bounds its own requests in flight; a row's labelling starts as soon as its
generations are done; results keep input order; a failed request leaves None in place and
its error in the row's `distil_metadata`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.errors import RunAborted
from distilabel_cli.llms.base import LLM, Completion, FatalLLMError, StructuredOutputUnsupported

#: After this many requests to one LLM all failed, the run stops instead of going on.
CIRCUIT_BREAKER_REQUESTS = 10
#: The last column: why an item is None (`generation_errors`, `labelling_error`).
METADATA_COLUMN = "distil_metadata"

RowCallback = Callable[[int, dict[str, Any]], None]


@dataclass
class ParseCounts:
    """How many generated items / labels could be read."""

    generations_ok: int = 0
    generations_failed: int = 0
    labels_ok: int = 0
    labels_failed: int = 0


@dataclass
class EngineHooks:
    """Callbacks for progress and checkpoints: (row index, new columns)."""

    on_generated: RowCallback | None = None
    on_labelled: RowCallback | None = None
    on_row_done: RowCallback | None = None


@dataclass
class Engine:
    """Runs a generator and/or a labeller over rows; returns each row's new columns."""

    generator: LLM | None
    labeller: LLM | None
    num_generations: int = 1
    hooks: EngineHooks = field(default_factory=EngineHooks)
    counts: ParseCounts = field(default_factory=ParseCounts)

    def max_rows_in_flight(self) -> int:
        """Enough rows to keep every LLM busy, few enough to bound memory."""
        slots = sum(llm.concurrency for llm in (self.generator, self.labeller) if llm)
        return max(8, 2 * slots)

    async def run(
        self, rows: list[dict[str, Any]], prefilled: dict[int, dict[str, Any]] | None = None
    ) -> list[dict[str, Any] | None]:
        """Process every row; raises `RunAborted` (with `.partial`) on a fatal LLM error.

        `prefilled` holds columns saved by an earlier run: stages found there are not
        requested again (a row with generations but no labels is only labelled).
        """
        for llm in (self.generator, self.labeller):
            if llm is not None:
                llm.reset_loop_state()
        prefilled = prefilled or {}
        results: list[dict[str, Any] | None] = [None] * len(rows)
        todo = []
        for index in range(len(rows)):
            saved = prefilled.get(index)
            if saved is not None and not self.stages_to_run(saved):
                results[index] = saved
            else:
                todo.append(index)
        window = asyncio.Semaphore(self.max_rows_in_flight())

        async def process(index: int) -> None:
            try:
                results[index] = await self._process_row(
                    index, rows[index], prefilled.get(index, {})
                )
            finally:
                window.release()

        try:
            async with asyncio.TaskGroup() as group:
                for index in todo:
                    await window.acquire()
                    group.create_task(process(index))
        except* FatalLLMError as failures:
            error = RunAborted(str(failures.exceptions[0]))
            error.partial = results
            raise error from None
        finally:
            for llm in (self.generator, self.labeller):
                if llm is not None:
                    await llm.aclose()
        return results

    def generation_prompt(self, row: dict[str, Any]) -> Any:
        """The generator's formatted prompt for a row (None for a row it cannot send)."""
        assert self.generator is not None
        llm = self.generator
        task = llm.task
        row = task.task_row(row)
        if task.row_problem(row) is not None:
            return None
        return task.generate_prompt(row).format_as(llm.effective_prompt_format)

    def stages_to_run(self, saved: dict[str, Any]) -> list[str]:
        """The stages a row still needs, given the columns already saved for it."""
        stages = []
        if self.generator is not None and "generation_model" not in saved:
            stages.append("generate")
        if self.labeller is not None and "labelling_model" not in saved:
            stages.append("label")
        return stages

    async def _process_row(
        self, index: int, row: dict[str, Any], saved: dict[str, Any]
    ) -> dict[str, Any]:
        new: dict[str, Any] = dict(saved)
        stages = self.stages_to_run(saved)
        if "generate" in stages:
            generated = await self._generate(row)
            new.update(generated)
            if self.hooks.on_generated:
                self.hooks.on_generated(index, generated)
        if "label" in stages:
            labelled = await self._label({**row, **new})
            new.update(labelled)
            if self.hooks.on_labelled:
                self.hooks.on_labelled(index, labelled)
        if self.hooks.on_row_done:
            self.hooks.on_row_done(index, new)
        return new

    async def _generate(self, row: dict[str, Any]) -> dict[str, Any]:
        llm, n = self.generator, self.num_generations
        assert llm is not None
        task = llm.task
        row = task.task_row(row)
        problem = task.row_problem(row)
        prompt = None
        if problem is not None:
            completions = [Completion(text=None, error=problem)] * n
        else:
            prompt = task.generate_prompt(row).format_as(llm.effective_prompt_format)
            completions = await llm.agenerate(prompt, n)
            _check_circuit(llm)
        parsed = [
            task.parse_output(c.text, row) if c.text is not None else task.empty_output(row)
            for c in completions
        ]
        for c in completions:
            if c.text is None:
                self.counts.generations_failed += 1
            else:
                self.counts.generations_ok += 1
        columns = {
            "generation_model": [c.model or llm.model_name for c in completions],
            "generation_prompt": [prompt] * n,
            "raw_generation_responses": [c.text for c in completions],
            METADATA_COLUMN: {
                "generation_errors": [c.error if c.text is None else None for c in completions]
            },
        }
        for name in task.output_args_names:
            columns[name] = [p.get(name) for p in parsed]
        return columns

    async def _label(self, row: dict[str, Any]) -> dict[str, Any]:
        llm = self.labeller
        assert llm is not None
        task = llm.task
        row = task.task_row(row)
        problem = task.row_problem(row)
        if problem is not None:
            completion = Completion(text=None, error=problem)
            prompt = None
        else:
            prompt, completion = await self._ask_judge(llm, row)
        if completion.text is None:
            outputs = task.empty_output(row)
        else:
            outputs = task.parse_output(completion.text, row)
        ok, failed = task.count_parsed(outputs, row)
        self.counts.labels_ok += ok
        self.counts.labels_failed += failed
        error = completion.error if completion.text is None else None
        return {
            "labelling_model": completion.model or llm.model_name,
            "labelling_prompt": prompt,
            "raw_labelling_response": completion.text,
            **outputs,
            METADATA_COLUMN: {**(row.get(METADATA_COLUMN) or {}), "labelling_error": error},
        }

    async def _ask_judge(self, llm: LLM, row: dict[str, Any]) -> tuple[Any, Completion]:
        task = llm.task
        schema = task.json_schema(row) if llm.supports_structured_output else None
        prompt = task.generate_prompt(row, structured=schema is not None)
        formatted = prompt.format_as(llm.effective_prompt_format)
        try:
            [completion] = await llm.agenerate(formatted, 1, schema)
        except StructuredOutputUnsupported:
            formatted = task.generate_prompt(row, structured=False).format_as(
                llm.effective_prompt_format
            )
            [completion] = await llm.agenerate(formatted, 1, None)
        _check_circuit(llm)
        return formatted, completion


def _check_circuit(llm: LLM) -> None:
    usage = llm.usage
    if usage.failed_requests >= CIRCUIT_BREAKER_REQUESTS and usage.ok_requests == 0:
        raise FatalLLMError(
            f"the first {usage.failed_requests} requests to {llm.model_name} all failed; "
            f"first error: {usage.first_error}"
        )
