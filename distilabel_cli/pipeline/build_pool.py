"""Build YAML `gpus:` LLMs and `pool:` stages: each LLM is built from its spec in a child."""

from __future__ import annotations

from functools import partial

from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.pool import LLMPool
from distilabel_cli.llms.process import ProcessLLM
from distilabel_cli.spec.models import LLMSpec, PoolMemberSpec
from distilabel_cli.tasks.base import Task


def load_llm_from_spec(spec: LLMSpec, task: Task) -> LLM:
    """The `load_llm_fn` of spec-built ProcessLLMs; runs in the child process."""
    from distilabel_cli.pipeline.build import build_llm  # build imports this module

    return build_llm(spec.model_copy(update={"gpus": None}), task)


def build_process_llm(
    spec: LLMSpec, task: Task | None, label: str, gpus: list[int] | None = None
) -> ProcessLLM:
    """The LLM of `spec` in a child process pinned to `gpus` (default: the spec's); the
    child builds it for `task` (`load_llm_fn(task)`)."""
    return ProcessLLM(
        task=task,
        load_llm_fn=partial(load_llm_from_spec, spec),
        gpus=spec.gpus if gpus is None else gpus,
        concurrency=spec.concurrency,
        label=label,
    )


def build_pool(members: list[PoolMemberSpec], task: Task, stage: str, seed: int | None) -> LLMPool:
    """A pool of `stage`'s members, each in its own child process."""
    llms: list[LLM] = [
        build_process_llm(member.llm, task, f"{stage}.pool[{index}].llm", member.gpus)
        for index, member in enumerate(members)
    ]
    return LLMPool(llms=llms, seed=seed, task=task)
