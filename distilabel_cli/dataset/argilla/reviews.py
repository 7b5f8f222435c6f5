"""Reviewers' responses of one record, merged: mean ratings, joined texts."""

from __future__ import annotations

from statistics import fmean
from typing import Any

#: user id -> (response status, {question: value})
Reviews = dict[str, tuple[str, dict[str, Any]]]


def submitted(reviews: Reviews) -> list[dict[str, Any]]:
    """Answers of the submitted responses (drafts and discards are not answers)."""
    return [values for status, values in reviews.values() if status == "submitted"]


def discarded(reviews: Reviews) -> bool:
    """True when a reviewer discarded the record and none submitted it."""
    statuses = [status for status, _ in reviews.values()]
    return "discarded" in statuses and "submitted" not in statuses


def mean(values: list[Any]) -> float | None:
    """Mean of the numeric answers (several reviewers), or None."""
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return fmean(numbers) if numbers else None


def joined(values: list[Any]) -> str | None:
    """Non-empty text answers, one paragraph each, or None."""
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return "\n\n".join(texts) if texts else None
