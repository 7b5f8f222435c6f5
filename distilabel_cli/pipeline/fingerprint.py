"""The fingerprint of a pipeline: what decides its outputs. A checkpoint made by another
fingerprint is refused (the differences are listed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM
    from distilabel_cli.pipeline.stage import Stage
    from distilabel_cli.tasks.base import Task

FINGERPRINT_VERSION = 1


def stage_fingerprint(stage: Stage | None) -> dict[str, Any] | None:
    """What decides a stage's outputs: its task, and its LLM's options marked
    `decides_output` (not its concurrency, timeouts, URL or key)."""
    return None if stage is None else llm_fingerprint(stage.llm, stage.task)


def llm_fingerprint(llm: LLM, task: Task) -> dict[str, Any]:
    """What decides the outputs of `llm` doing `task` (a pool: also each member's)."""
    members = getattr(llm, "members", None) or []
    pool = {"members": {str(i): llm_fingerprint(m, task) for i, m in enumerate(members)}}
    return {
        **(pool if members else {}),
        # a stand-in for an LLM run elsewhere (a Ray replica) names the real backend
        "backend": getattr(llm, "backend_name", None) or type(llm).__name__,
        "model": llm.model_name,
        **llm.output_settings(),
        "prompt_format": llm.format_for(task.prompt_format),
        "task": task.fingerprint(),
    }


def pipeline_fingerprint(
    generator: Stage | None, labeller: Stage | None, num_generations: int
) -> dict[str, Any]:
    return {
        "version": FINGERPRINT_VERSION,
        "num_generations": num_generations,
        "generator": stage_fingerprint(generator),
        "labeller": stage_fingerprint(labeller),
    }
