"""Principles for text generation: one drawn per row and appended to the system prompt."""

from __future__ import annotations

import math
import random
from typing import Literal

from distilabel_cli.tasks.base import choose

Principles = dict[str, list[str]]
Distribution = Literal["balanced"] | dict[str, float]

#: The principle groups of the UltraFeedback paper, used (as in distilabel 0.6) when a
#: `principles_distribution` is given without `principles`.
ULTRAFEEDBACK_PRINCIPLES: Principles = {
    "harmlessness": [
        "Do not give answers that could cause physical, psychological or social harm to "
        "people, damage property or the environment; refuse requests that would.",
        "Stay respectful and safe: never suggest actions that could hurt anyone or cause "
        "damage or loss of any kind.",
    ],
    "helpfulness": [
        "Give accurate, relevant and up-to-date information, in a way that is positive, "
        "engaging and educational.",
        "Be a reliable source of help: check your facts and give complete, useful details "
        "that teach the user something.",
    ],
    "truthfulness": [
        "Answer truthfully and stay faithful to facts and to the given context; never make "
        "up facts that cannot be grounded in the instruction.",
        "Stick to verified, accurate information and avoid anything that could mislead.",
    ],
    "honesty": [
        "Be honest about whether you know the answer: be confident where you know it, say "
        "so plainly when you are unsure, and answer 'I don't know' when needed.",
        'If you are not certain of an answer, express your doubt ("I think", "probably") '
        "rather than give information that may be wrong.",
    ],
    "verbalized_calibration": [
        "End the answer with your confidence that it is correct, as a percentage, on its own "
        "line: 'Confidence: 80%'.",
    ],
}


def resolve_principles(
    principles: Principles | None, distribution: Distribution | None
) -> Principles | None:
    """The groups to draw from: `principles`, or the UltraFeedback groups when only a
    distribution is given (None: no principle is appended)."""
    if principles is None and distribution is not None:
        return {group: list(items) for group, items in ULTRAFEEDBACK_PRINCIPLES.items()}
    return principles


def check_principles(principles: Principles | None, distribution: Distribution | None) -> None:
    """Raise ValueError when the groups or their weights are unusable."""
    principles = resolve_principles(principles, distribution)
    if principles is None:
        return
    empty = sorted(group for group, items in principles.items() if not items)
    if not principles or empty:
        raise ValueError(f"every principles group needs at least one principle (empty: {empty})")
    if isinstance(distribution, dict):
        unknown = sorted(set(distribution) - set(principles))
        if unknown:
            raise ValueError(f"principles_distribution names unknown groups {unknown}")
        total = sum(distribution.values())
        if any(w < 0 for w in distribution.values()) or not math.isclose(total, 1, abs_tol=1e-6):
            raise ValueError(
                f"principles_distribution weights must be >= 0 and sum to 1 (they sum to {total:g})"
            )


def draw_principle(
    rng: random.Random, principles: Principles, distribution: Distribution | None
) -> str:
    """A group drawn by `distribution` (balanced: equal odds), then one of its principles."""
    groups = list(principles)
    if isinstance(distribution, dict):
        weights = [distribution.get(g, 0.0) for g in groups]
    else:
        weights = [1.0] * len(groups)
    return choose(rng, principles[choose(rng, groups, weights)])
