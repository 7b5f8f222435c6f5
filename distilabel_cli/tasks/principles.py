"""Principles for text generation: one drawn per row and appended to the system prompt."""

from __future__ import annotations

import math
import random
from typing import Literal

from distilabel_cli.tasks.base import choose

Principles = dict[str, list[str]]
Distribution = Literal["balanced"] | dict[str, float]


def check_principles(principles: Principles | None, distribution: Distribution | None) -> None:
    """Raise ValueError when the groups or their weights are unusable."""
    if principles is None:
        if distribution is not None:
            raise ValueError("principles_distribution needs principles")
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
