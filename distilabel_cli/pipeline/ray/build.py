"""Build a stage's LLM for `run.engine: ray`: its replicas run as Ray actors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from distilabel_cli.llms.pool import LLMPool
from distilabel_cli.pipeline.ray.proxy import RayStageLLM
from distilabel_cli.spec.ray_engine import RayRunSpec, RayStageSpec

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM
    from distilabel_cli.spec.models import StageSpec
    from distilabel_cli.tasks.base import Task


def ray_stage_llm(
    spec: StageSpec, task: Task, name: str, seed: int | None, cluster: RayRunSpec
) -> LLM:
    """The LLM of stage `name` on the cluster: a RayStageLLM with `spec.ray`'s replicas; a
    pool's members each get their own (the pool draws members per row as locally)."""
    stage = spec.ray or RayStageSpec()
    if spec.pool is None:
        assert spec.llm is not None
        return RayStageLLM(
            task=task, llm_spec=spec.llm, stage=stage, cluster=cluster, label=f"{name}.llm"
        )
    members: list[LLM] = [
        RayStageLLM(
            task=task,
            llm_spec=member.llm,
            stage=stage,
            cluster=cluster,
            label=f"{name}.pool[{index}].llm",
        )
        for index, member in enumerate(spec.pool)
    ]
    return LLMPool(llms=members, seed=seed, task=task)
