"""Build a Pipeline from a validated spec."""

from __future__ import annotations

from pathlib import Path

from distilabel_cli.dataset.inputs import input_columns
from distilabel_cli.errors import SpecError
from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.pipeline.pipeline import Pipeline, missing_columns
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import LlamaCppSpec, LLMSpec, PipelineSpec, StageSpec, TaskSpec
from distilabel_cli.tasks import TASK_TYPES, Task

_SAMPLING = ("max_new_tokens", "temperature", "top_p", "seed", "concurrency")


def build_task(spec: TaskSpec) -> Task:
    """The task object a task spec describes."""
    return TASK_TYPES[spec.type](**spec.model_dump(exclude={"type"}, exclude_none=True))


def build_llm(spec: LLMSpec, task: Task) -> LLM:
    """The LLM object an llm spec describes; makes no network call and loads no model."""
    sampling = {name: getattr(spec, name) for name in _SAMPLING}
    if isinstance(spec, LlamaCppSpec):
        return LlamaCppLLM(
            task=task, model=spec.model, n_ctx=spec.n_ctx, n_threads=spec.n_threads, **sampling
        )
    return OpenAILLM(
        task=task,
        model=spec.model,
        base_url=spec.base_url,
        api_key=spec.api_key.get_secret_value() if spec.api_key else None,
        timeout=spec.timeout,
        max_retries=spec.max_retries,
        frequency_penalty=spec.frequency_penalty,
        presence_penalty=spec.presence_penalty,
        stop=spec.stop,
        structured_output=spec.structured_output,
        **sampling,
    )


def build_stage(spec: StageSpec | None) -> LLM | None:
    return None if spec is None else build_llm(spec.llm, build_task(spec.task))


def check_spec_columns(spec: PipelineSpec, source: SpecSource) -> None:
    """Fail at validation time when a task needs a column nobody provides."""
    columns = input_columns(spec.input, Path(source.file).parent)
    if columns is None:  # a Hub dataset: checked when it is loaded
        return
    stages = [
        (name, TASK_TYPES[stage.task.type])
        for name, stage in (("generator", spec.generator), ("labeller", spec.labeller))
        if stage is not None
    ]
    missing = missing_columns(stages, columns)
    if missing:
        stage_name, column = missing[0]
        task_type = getattr(spec, stage_name).task.type
        raise SpecError(
            f"{source.file}: invalid spec",
            details=[
                source.error(
                    (stage_name, "task"),
                    f"{task_type} needs column {column!r}, which neither the input "
                    f"({', '.join(columns) or 'no columns'}) nor the generator provides",
                )
            ],
        )


def build_pipeline(spec: PipelineSpec) -> Pipeline:
    """The Pipeline of a spec (LLMs constructed, models not yet loaded)."""
    generator = build_stage(spec.generator)
    labeller = build_stage(spec.labeller)
    return Pipeline(generator=generator, labeller=labeller)
