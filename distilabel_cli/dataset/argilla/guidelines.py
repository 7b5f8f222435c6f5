"""Pieces of the guidelines panel that judge families share: the rubric and who suggested."""

from __future__ import annotations

from typing import Any


def judge_rubric(task: Any) -> list[str]:
    """The judge's rubric as markdown paragraphs: UltraFeedback's aspect, or Prometheus'
    criteria and score descriptions (none for other tasks)."""
    paragraphs = []
    aspect = getattr(task, "aspect", None)
    if aspect is not None:
        from distilabel_cli.tasks.ultrafeedback_rubrics import RUBRICS

        rubric = RUBRICS.get(aspect)
        if rubric is not None:
            scores = "\n".join(f"{i}. {text}" for i, text in enumerate(rubric.scores, start=1))
            paragraphs.append(f"**{rubric.title}**: {rubric.description}\n\n{scores}")
    criteria = getattr(task, "scoring_criteria", None)
    if criteria:
        paragraphs.append(f"**Criteria**: {criteria}")
    descriptions = getattr(task, "score_descriptions", None) or {}
    if descriptions:
        paragraphs.append("\n".join(f"{k}. {v}" for k, v in sorted(descriptions.items())))
    return paragraphs


def suggestions_note(what: str, agent: str | None) -> list[str]:
    """A paragraph saying that `what` is filled in by the judge `agent` (none without one)."""
    if not agent:
        return []
    return [
        f"The {what} filled in are suggestions from the AI judge `{agent}`: "
        "check them, change what you disagree with, then submit."
    ]
