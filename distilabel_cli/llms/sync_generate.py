"""distilabel 0.6's synchronous `LLM.generate(inputs, num_generations)` over `agenerate`.

Each input is a dict of the task's inputs (`{"input": ...}` for a generator,
`{"input": ..., "generations": [...]}` for a judge). The result has one list per input
with `num_generations` outputs shaped like 0.6's `LLMOutput`, plus the reason a request
failed:

    {"model_name": str, "prompt_used": prompt, "raw_output": str | None,
     "parsed_output": dict | None, "error": str | None}

`parsed_output` is what the task parses from the answer: the output columns it writes,
e.g. `{"generations": "..."}` or `{"rating": [...], "rationale": [...]}`. Inputs are sent
concurrently, within the LLM's own `concurrency`; a pool draws its members per input.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM, Completion
    from distilabel_cli.tasks.prompt import PromptFormat

LLMOutput = dict[str, Any]


def generate_outputs(
    llm: LLM, inputs: Sequence[Mapping[str, Any]], num_generations: int = 1
) -> list[list[LLMOutput]]:
    """Run `llm` over `inputs` and wait for every answer (also from a notebook)."""
    if isinstance(inputs, Mapping) or not isinstance(inputs, Sequence):
        raise DistilError(
            f"generate(inputs=...): expected a list of dicts, got {type(inputs).__name__}"
        )
    if num_generations < 1:
        raise DistilError("generate(num_generations=...): must be at least 1")
    task = llm.task
    rows = []
    for index, item in enumerate(inputs):
        if not isinstance(item, Mapping):
            raise DistilError(f"inputs[{index}]: expected a dict, got {type(item).__name__}")
        missing = [c for c in task.required_columns() if c not in item]
        if missing:
            raise DistilError(
                f"inputs[{index}]: no {missing[0]!r}; {type(task).__name__} reads "
                f"{', '.join(task.required_columns())}"
            )
        rows.append(task.task_row(dict(item)))
    # Known before the loop runs: a ProcessLLM or pool loads its children here.
    fmt = llm.effective_prompt_format
    structured = task.is_labeller and llm.supports_structured_output
    from distilabel_cli.pipeline.pipeline import run_coroutine

    return run_coroutine(_generate_all(llm, rows, num_generations, fmt, structured))


async def _generate_all(
    llm: LLM, rows: list[dict[str, Any]], n: int, fmt: PromptFormat, structured: bool
) -> list[list[LLMOutput]]:
    llm.reset_loop_state()
    try:
        return list(await asyncio.gather(*(_one(llm, row, n, fmt, structured) for row in rows)))
    finally:
        await llm.aclose()  # connection pools belong to this loop


async def _one(
    llm: LLM, row: dict[str, Any], n: int, fmt: PromptFormat, structured: bool
) -> list[LLMOutput]:
    from distilabel_cli.llms.base import Completion, StructuredOutputUnsupported

    task = llm.task
    problem = task.row_problem(row)
    if problem is not None:
        return [_output(llm, row, None, Completion(text=None, error=problem)) for _ in range(n)]
    schema = task.json_schema(row) if structured else None
    prompt = task.generate_prompt(row, structured=schema is not None).format_as(fmt)
    try:
        completions = await llm.agenerate(prompt, n, schema)
    except StructuredOutputUnsupported:
        prompt = task.generate_prompt(row).format_as(fmt)
        completions = await llm.agenerate(prompt, n, None)
    return [_output(llm, row, prompt, c) for c in completions]


def _output(llm: LLM, row: dict[str, Any], prompt: Any, completion: Completion) -> LLMOutput:
    text = completion.text
    return {
        "model_name": completion.model or llm.model_name,
        "prompt_used": prompt,
        "raw_output": text,
        "parsed_output": llm.task.parse_output(text, row) if text is not None else None,
        "error": completion.error if text is None else None,
    }
