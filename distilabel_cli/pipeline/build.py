"""Build a Pipeline from a validated spec."""

from __future__ import annotations

from pathlib import Path

from distilabel_cli.dataset.inputs import input_columns
from distilabel_cli.errors import SpecError
from distilabel_cli.llms.base import LLM, Pricing
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.pipeline.build_backends import BACKEND_SPECS, build_backend, with_batch_size
from distilabel_cli.pipeline.build_pool import build_pool, build_process_llm
from distilabel_cli.pipeline.pipeline import Pipeline, missing_columns
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import LlamaCppSpec, LLMSpec, PipelineSpec, StageSpec, TaskSpec
from distilabel_cli.tasks import TASK_TYPES, Task

_SAMPLING = (
    "max_new_tokens",
    "temperature",
    "top_p",
    "seed",
    "concurrency",
    "timeout",
    "max_retries",
    "requests_per_minute",
    "tokens_per_minute",
)


def build_task(spec: TaskSpec) -> Task:
    """The task object a task spec describes."""
    return TASK_TYPES[spec.type](**spec.model_dump(exclude={"type"}, exclude_none=True))


def build_llm(spec: LLMSpec, task: Task, label: str = "llm") -> LLM:
    """The LLM object an llm spec describes; makes no network call and loads no model.

    With `gpus`, a ProcessLLM that builds it in a child process pinned to those GPUs.
    """
    if spec.gpus is not None:
        return build_process_llm(spec, task, label)
    sampling = {name: getattr(spec, name) for name in _SAMPLING}
    sampling["pricing"] = Pricing(**spec.pricing.model_dump()) if spec.pricing else None
    if isinstance(spec, LlamaCppSpec):
        return LlamaCppLLM(
            task=task, model=spec.model, n_ctx=spec.n_ctx, n_threads=spec.n_threads, **sampling
        )
    if isinstance(spec, BACKEND_SPECS):
        return build_backend(spec, task, sampling, label)
    return OpenAILLM(
        task=task,
        model=spec.model,
        base_url=spec.base_url,
        api_key=spec.api_key.get_secret_value() if spec.api_key else None,
        frequency_penalty=spec.frequency_penalty,
        presence_penalty=spec.presence_penalty,
        stop=spec.stop,
        structured_output=spec.structured_output,
        **sampling,
    )


def build_stage(
    spec: StageSpec | None, name: str = "generator", seed: int | None = None
) -> LLM | None:
    """A stage's LLM, or its LLMPool (`seed`: the pool's choice of members)."""
    if spec is None:
        return None
    task = build_task(spec.task)
    if spec.pool is not None:
        return build_pool(spec.pool, task, name, seed)
    assert spec.llm is not None
    return build_llm(spec.llm, task, f"{name}.llm")


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
    spec = with_batch_size(spec)
    generator = build_stage(spec.generator, "generator", spec.run.seed)
    labeller = build_stage(spec.labeller, "labeller", spec.run.seed)
    return Pipeline(generator=generator, labeller=labeller)
