"""The fingerprint of a pipeline: what decides its outputs. A checkpoint made by another
fingerprint is refused (the differences are listed)."""

from __future__ import annotations

from typing import Any

from distilabel_cli.llms.base import LLM

FINGERPRINT_VERSION = 1


def llm_fingerprint(llm: LLM | None) -> dict[str, Any] | None:
    """What decides an LLM's outputs (not its concurrency, timeouts, URL or key)."""
    if llm is None:
        return None
    members = getattr(llm, "members", None) or []  # a pool: what decides each member's
    pool = {"members": {str(i): llm_fingerprint(m) for i, m in enumerate(members)}}
    return {
        **(pool if members else {}),
        "backend": type(llm).__name__,
        "model": llm.model_name,
        "max_new_tokens": llm.max_new_tokens,
        "temperature": llm.temperature,
        "top_p": llm.top_p,
        "seed": llm.seed,
        "prompt_format": llm.effective_prompt_format,
        "task": llm.task.fingerprint(),
    }


def pipeline_fingerprint(
    generator: LLM | None, labeller: LLM | None, num_generations: int
) -> dict[str, Any]:
    return {
        "version": FINGERPRINT_VERSION,
        "num_generations": num_generations,
        "generator": llm_fingerprint(generator),
        "labeller": llm_fingerprint(labeller),
    }
