"""Build a Pipeline from a validated spec."""

from __future__ import annotations

from pathlib import Path

from distilabel_cli.llms.base import LLM, Pricing
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.pipeline.build_backends import BACKEND_SPECS, build_backend, with_batch_size
from distilabel_cli.pipeline.build_pool import build_pool, build_process_llm
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.pipeline.pipeline import Pipeline
from distilabel_cli.redact import register_llm_secrets, register_spec_secrets
from distilabel_cli.spec.models import LlamaCppSpec, LLMSpec, PipelineSpec, StageSpec
from distilabel_cli.tasks import Task

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


def build_llm(spec: LLMSpec, task: Task, label: str = "llm") -> LLM:
    """The LLM object an llm spec describes; makes no network call and loads no model.

    With `gpus`, a ProcessLLM that builds it in a child process pinned to those GPUs. Its
    secrets (the spec's, and keys read from the environment) are registered for redaction.
    """
    register_spec_secrets(spec)
    llm = _construct_llm(spec, task, label)
    register_llm_secrets(llm)
    return llm


def _construct_llm(spec: LLMSpec, task: Task, label: str) -> LLM:
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


def build_pipeline(spec: PipelineSpec, spec_dir: Path | None = None) -> Pipeline:
    """The Pipeline of a spec (LLMs constructed, models not yet loaded).

    `spec_dir` is the spec file's folder, where custom templates are looked up first. The
    spec's and the LLMs' secrets are registered, so that `redact()` masks them everywhere.
    """
    register_spec_secrets(spec)
    spec = with_batch_size(spec)
    generator = build_stage(spec.generator, "generator", spec.run.seed, spec_dir)
    labeller = build_stage(spec.labeller, "labeller", spec.run.seed, spec_dir)
    for llm in (generator, labeller):
        if llm is not None:
            register_llm_secrets(llm)
    return Pipeline(generator=generator, labeller=labeller)
