"""Build the inference-endpoints, vllm and transformers LLMs from their specs."""

from __future__ import annotations

from typing import Any

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.base import LLM
from distilabel_cli.redact import register_llm_secrets, register_spec_secrets
from distilabel_cli.spec.models import (
    InferenceEndpointsSpec,
    PipelineSpec,
    StageSpec,
    TransformersSpec,
    VLLMSpec,
)
from distilabel_cli.tasks.base import Task

BACKEND_SPECS = (InferenceEndpointsSpec, VLLMSpec, TransformersSpec)
BATCHED_SPECS = (VLLMSpec, TransformersSpec)


def build_backend(
    spec: InferenceEndpointsSpec | VLLMSpec | TransformersSpec,
    task: Task,
    sampling: dict[str, Any],
    label: str = "llm",
) -> LLM:
    """The LLM of one of these specs; imports no backend package, loads no model. Its
    token (from the spec or the environment) is registered for redaction."""
    register_spec_secrets(spec)
    llm = _construct_backend(spec, task, sampling, label)
    register_llm_secrets(llm)
    return llm


def _construct_backend(
    spec: InferenceEndpointsSpec | VLLMSpec | TransformersSpec,
    task: Task,
    sampling: dict[str, Any],
    label: str,
) -> LLM:
    options = spec.model_dump(exclude=set(sampling) | {"type", "gpus", "pricing"})
    try:
        if isinstance(spec, InferenceEndpointsSpec):
            from distilabel_cli.llms.inference_endpoints import InferenceEndpointsLLM

            options["token"] = spec.token.get_secret_value() if spec.token else None
            return InferenceEndpointsLLM(task=task, **options, **sampling)
        if isinstance(spec, VLLMSpec):
            from distilabel_cli.llms.vllm import VLLM

            return VLLM(task=task, **options, **sampling)
        from distilabel_cli.llms.transformers import TransformersLLM

        return TransformersLLM(task=task, **options, **sampling)
    except DistilError as exc:
        raise DistilError(f"{label}: {exc.message}", details=exc.details) from None


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
    if not isinstance(llm, BATCHED_SPECS):
        return llm
    size = llm.batch_size or run_batch_size
    return llm.model_copy(update={"batch_size": size, "concurrency": max(llm.concurrency, size)})
