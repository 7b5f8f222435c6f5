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
    from distilabel_cli.pipeline.stage import Stage

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
    from distilabel_cli.pipeline.stage import Stage

    stage = Stage.of(llm, "LLM")
    assert stage is not None
    task = stage.task
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
    structured = task.is_labeller and stage.structured_output
    from distilabel_cli.pipeline.run_options import run_coroutine

    return run_coroutine(_generate_all(stage, rows, num_generations, structured))


async def _generate_all(
    stage: Stage, rows: list[dict[str, Any]], n: int, structured: bool
) -> list[list[LLMOutput]]:
    stage.llm.reset_loop_state()
    try:
        return list(await asyncio.gather(*(_one(stage, row, n, structured) for row in rows)))
    finally:
        await stage.llm.aclose()  # connection pools belong to this loop


async def _one(stage: Stage, row: dict[str, Any], n: int, structured: bool) -> list[LLMOutput]:
    from distilabel_cli.errors import StructuredOutputUnsupported
    from distilabel_cli.llms.base import Completion

    problem = stage.task.row_problem(row)
    if problem is not None:
        return [_output(stage, row, None, Completion(text=None, error=problem)) for _ in range(n)]
    schema = stage.task.json_schema(row) if structured else None
    prompt = stage.prompt(row, structured=schema is not None)
    try:
        completions = await stage.llm.agenerate(prompt, n, schema)
    except StructuredOutputUnsupported:
        prompt = stage.prompt(row)
        completions = await stage.llm.agenerate(prompt, n, None)
    return [_output(stage, row, prompt, c) for c in completions]


def _output(stage: Stage, row: dict[str, Any], prompt: Any, completion: Completion) -> LLMOutput:
    text = completion.text
    return {
        "model_name": completion.model or stage.llm.model_name,
        "prompt_used": prompt,
        "raw_output": text,
        "parsed_output": stage.task.parse_output(text, row) if text is not None else None,
        "error": completion.error if text is None else None,
    }
