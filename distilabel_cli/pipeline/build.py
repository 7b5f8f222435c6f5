"""Build a Pipeline from a validated spec: each stage is its task and the LLM of its spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.construct import construct_llm, llm_options
from distilabel_cli.pipeline.build_pool import build_pool, build_process_llm
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.pipeline.core import Pipeline
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.redact import register_llm_secrets, register_spec_secrets
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import LLMSpec, PipelineSpec, RayRunSpec, StageSpec
from distilabel_cli.tasks import Task


def build_llm(spec: LLMSpec, task: Task | None = None, label: str | None = None) -> LLM:
    """The LLM an llm spec describes (`task`: distilabel 0.6's `LLM(task=...)`); makes no
    network call and loads no model. Its errors start with `label` (its YAML path).

    With `gpus`, a ProcessLLM that builds it in a child process pinned to those GPUs. Its
    secrets (the spec's, and keys read from the environment) are registered for redaction.
    """
    register_spec_secrets(spec)
    if spec.gpus is not None:
        llm = build_process_llm(spec, task, label or "llm")
        register_llm_secrets(llm)
        return llm
    return construct_llm(spec.type, llm_options(spec), task, label)


def build_stage(
    spec: StageSpec | None,
    name: str = "generator",
    seed: int | None = None,
    spec_dir: Path | None = None,
    cluster: RayRunSpec | None = None,
) -> Stage | None:
    """A stage: its task and its LLM, or LLMPool (`seed`: the pool's choice of members).

    With `cluster` (`run.engine: ray`), the LLM runs as Ray actors (`RayStageLLM`).
    """
    if spec is None:
        return None
    task = build_task(spec.task, spec_dir)
    if cluster is not None:
        from distilabel_cli.pipeline.ray.build import ray_stage_llm

        return Stage(task, ray_stage_llm(spec, task, name, seed, cluster))
    if spec.pool is not None:
        return Stage(task, build_pool(spec.pool, task, name, seed))
    assert spec.llm is not None
    return Stage(task, build_llm(spec.llm, task, f"{name}.llm"))


def build_pipeline(spec: PipelineSpec, spec_dir: Path | None = None) -> Pipeline:
    """The Pipeline of a spec (LLMs constructed, models not yet loaded; with
    `run.engine: ray`, the LLMs' Ray actors start when first used).

    `spec_dir` is the spec file's folder, where custom templates are looked up first. The
    spec's and the LLMs' secrets are registered, so that `redact()` masks them everywhere.
    """
    register_spec_secrets(spec)
    spec = with_batch_size(spec)
    cluster = (spec.run.ray or RayRunSpec()) if spec.run.engine == "ray" else None
    generator = build_stage(spec.generator, "generator", spec.run.seed, spec_dir, cluster)
    labeller = build_stage(spec.labeller, "labeller", spec.run.seed, spec_dir, cluster)
    for stage in (generator, labeller):
        if stage is not None:
            register_llm_secrets(stage.llm)
    return Pipeline(generator=generator, labeller=labeller)


def started_pipeline(spec: PipelineSpec, source: SpecSource) -> Pipeline:
    """The spec's pipeline, its tasks checked and its Ray actors (if any) starting. `distil
    run` calls it before importing the rest of what a run needs (datasets: about 0.6 s),
    which then overlaps the actors' loading on the cluster; `run_spec(pipeline=...)` runs
    and closes it."""
    from distilabel_cli.pipeline.check import check_tasks

    check_tasks(spec, source)
    pipeline = build_pipeline(spec, Path(source.file).parent)
    try:
        pipeline.start()
    except BaseException:
        pipeline.close()
        raise
    return pipeline


def with_batch_size(spec: PipelineSpec) -> PipelineSpec:
    """`spec` with run.batch_size filled into batched LLMs that set none, and their
    concurrency raised to their batch size (also for pool members and `gpus:` processes)."""
    stages = {}
    for name in ("generator", "labeller"):
        stage: StageSpec | None = getattr(spec, name)
        if stage is None:
            continue
        update: dict[str, Any] = {}
        if stage.llm is not None:
            update["llm"] = _batched(stage.llm, spec.run.batch_size)
        if stage.pool is not None:
            update["pool"] = [
                m.model_copy(update={"llm": _batched(m.llm, spec.run.batch_size)})
                for m in stage.pool
            ]
        stages[name] = stage.model_copy(update=update)
    return spec.model_copy(update=stages)


def _batched(llm: Any, run_batch_size: int) -> Any:
    """An LLM spec that has a `batch_size` option, with the run's when it sets none."""
    if "batch_size" not in type(llm).model_fields:
        return llm
    size = llm.batch_size or run_batch_size
    return llm.model_copy(update={"batch_size": size, "concurrency": max(llm.concurrency, size)})
