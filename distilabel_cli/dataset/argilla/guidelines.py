"""The guidelines panel: what the reviewer is asked to do, in markdown."""

from __future__ import annotations

from typing import Any

from distilabel_cli.dataset.argilla.critique import critique_guidelines
from distilabel_cli.dataset.argilla.families import TaskFamily


def guidelines(family: TaskFamily, task: Any, agent: str | None) -> str:
    """What the reviewer is asked to do, in markdown."""
    low, high = family.scale
    if family.kind == "critique":
        return critique_guidelines(family, task, agent)
    if family.kind == "instructions":
        return (
            "Rate each generated instruction from "
            f"{low} (useless) to {high} (clear, useful, answerable). Rewrite it if a small "
            "edit makes it good; discard the record if it should be dropped."
        )
    lines = [f"Rate each generation of the input from {low} (worst) to {high} (best)."]
    rubric = _rubric(task)
    if rubric:
        lines.append(rubric)
    if agent:
        lines.append(
            f"The ratings and rationales filled in are suggestions from the AI judge `{agent}`: "
            "check them, change what you disagree with, then submit."
        )
    lines.append("Filter by `rating-distance` to review close calls first.")
    return "\n\n".join(lines)


def _rubric(task: Any) -> str:
    aspect = getattr(task, "aspect", None)
    if aspect is None:
        return ""
    from distilabel_cli.tasks.ultrafeedback_rubrics import RUBRICS

    rubric = RUBRICS.get(aspect)
    if rubric is None:
        return ""
    scores = "\n".join(f"{i}. {text}" for i, text in enumerate(rubric.scores, start=1))
    return f"**{rubric.title}**: {rubric.description}\n\n{scores}"
