"""Build a Pipeline from a validated spec."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from distilabel_cli.dataset.inputs import input_columns
from distilabel_cli.errors import DistilError, SpecError
from distilabel_cli.llms.base import LLM, Pricing
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.pipeline.build_backends import BACKEND_SPECS, build_backend, with_batch_size
from distilabel_cli.pipeline.build_pool import build_pool, build_process_llm
from distilabel_cli.pipeline.pipeline import Pipeline, missing_columns
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import LlamaCppSpec, LLMSpec, PipelineSpec, StageSpec, TaskSpec
from distilabel_cli.spec.tasks import CustomTaskSpec
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


def build_task(spec: TaskSpec, spec_dir: Path | None = None) -> Task:
    """The task object a task spec describes (a custom template is read from disk)."""
    kwargs = spec.model_dump(exclude={"type"}, exclude_none=True)
    if isinstance(spec, CustomTaskSpec):
        kwargs["template"] = str(resolve_template(spec.template, spec_dir))
    return TASK_TYPES[spec.type](**kwargs)


def resolve_template(path: str, spec_dir: Path | None) -> Path:
    """A template path as given: relative to the spec's folder first, then the cwd."""
    given = Path(path).expanduser()
    if spec_dir is not None and not given.is_absolute() and (spec_dir / given).exists():
        return spec_dir / given
    return given


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
    spec: StageSpec | None,
    name: str = "generator",
    seed: int | None = None,
    spec_dir: Path | None = None,
) -> LLM | None:
    """A stage's LLM, or its LLMPool (`seed`: the pool's choice of members)."""
    if spec is None:
        return None
    task = build_task(spec.task, spec_dir)
    if spec.pool is not None:
        return build_pool(spec.pool, task, name, seed)
    assert spec.llm is not None
    return build_llm(spec.llm, task, f"{name}.llm")


def check_spec(
    spec: PipelineSpec, source: SpecSource, *, input_must_exist: bool = True
) -> list[str]:
    """Fail at validation time on what the schema cannot see: a task that cannot be built
    (e.g. a template error), a judge that needs another number of generations, or a task
    that needs a column nobody provides.

    With `input_must_exist=False`, a local input that does not exist yet (the output of an
    earlier run in a chain) skips the column check instead of failing; the notes returned
    say so.
    """
    tasks = spec_tasks(spec, source)
    _check_generation_count(spec, source, tasks)
    try:
        columns = input_columns(spec.input, Path(source.file).parent)
    except DistilError:
        if input_must_exist or Path(spec.input.path).exists():
            raise
        return [f"input {spec.input.path} does not exist yet: columns not checked"]
    if columns is None:  # a Hub dataset: checked when it is loaded
        return []
    missing = missing_columns(list(tasks.items()), columns)
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
    return []


def spec_tasks(spec: PipelineSpec, source: SpecSource) -> dict[str, Task]:
    """The task of each stage, built; a task that cannot be built is a SpecError."""
    tasks = {}
    for name in ("generator", "labeller"):
        stage = getattr(spec, name)
        if stage is None:
            continue
        try:
            tasks[name] = build_task(stage.task, Path(source.file).parent)
        except ValueError as exc:
            raise SpecError(
                f"{source.file}: invalid spec",
                details=[source.error((name, "task"), _first_error(exc))],
            ) from None
    generator = tasks.get("generator")
    if generator is not None and generator.is_labeller:
        raise SpecError(
            f"{source.file}: invalid spec",
            details=[
                source.error(
                    ("generator", "task", "type"),
                    f"{spec.generator.task.type} is a judge: use it as the labeller",  # type: ignore[union-attr]
                )
            ],
        )
    return tasks


def _check_generation_count(spec: PipelineSpec, source: SpecSource, tasks: dict[str, Task]) -> None:
    labeller = tasks.get("labeller")
    wanted = labeller.responses_per_row() if labeller is not None else None
    if wanted is None or "generator" not in tasks or wanted == spec.run.num_generations:
        return
    raise SpecError(
        f"{source.file}: invalid spec",
        details=[
            source.error(
                ("run", "num_generations"),
                f"the labeller ({spec.labeller.task.type}) judges {wanted} response(s) per "  # type: ignore[union-attr]
                f"row; set run.num_generations: {wanted}",
            )
        ],
    )


def _first_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        message = str(exc.errors()[0]["msg"])
        return message.removeprefix("Value error, ")
    return str(exc)


def build_pipeline(spec: PipelineSpec, spec_dir: Path | None = None) -> Pipeline:
    """The Pipeline of a spec (LLMs constructed, models not yet loaded).

    `spec_dir` is the spec file's folder, where custom templates are looked up first.
    """
    spec = with_batch_size(spec)
    generator = build_stage(spec.generator, "generator", spec.run.seed, spec_dir)
    labeller = build_stage(spec.labeller, "labeller", spec.run.seed, spec_dir)
    return Pipeline(generator=generator, labeller=labeller)
