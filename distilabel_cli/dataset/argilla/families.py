"""Which `TaskFamily` lays out a dataset: found from its columns, so a dataset without a
task sidecar works too; the rating scale comes from the task, else from the data.

To add a family: a `TaskFamily` subclass (its `kind`, the `claims` columns, fields,
questions, guidelines, records, pull) and its place in `FAMILIES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.argilla.critique import CritiqueFamily
from distilabel_cli.dataset.argilla.family import TaskFamily
from distilabel_cli.dataset.argilla.generations import GenerationFamily, RatedFamily
from distilabel_cli.dataset.argilla.instructions import InstructionFamily
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from datasets import Features

#: Tried in order: the first whose `claims` columns a dataset has lays it out.
FAMILIES: tuple[type[TaskFamily], ...] = (
    InstructionFamily,
    CritiqueFamily,
    RatedFamily,
    GenerationFamily,
)
DEFAULT_SCALE = (1, 5)
WIDE_SCALE = (1, 10)


def detect_family(
    features: Features, task: Any = None, max_rating: float | None = None
) -> TaskFamily:
    """The family of a dataset with these columns; `max_rating` is its highest AI rating."""
    columns = set(features)
    family = next((f for f in FAMILIES if f.claims <= columns), None)
    if family is None:
        raise DistilError(
            "nothing to review: the dataset has no `generations` or `instructions` column "
            f"(columns: {', '.join(sorted(columns)) or 'none'})"
        )
    return family.detect(features, task, rating_scale(task, family.labelled, max_rating))


def family_class(kind: str) -> type[TaskFamily]:
    """The family stored as `kind`."""
    for family in FAMILIES:
        if family.kind == kind:
            return family
    raise DistilError(f"Argilla dataset of an unknown distil family {kind!r}: upgrade distil")


def task_scale(task: Any) -> tuple[int, int] | None:
    """The scale a task declares: `rating_scale`, else a critique judge's `score_range`."""
    return getattr(task, "rating_scale", None) or getattr(task, "score_range", None)


def rating_scale(task: Any, labelled: bool, max_rating: float | None) -> tuple[int, int]:
    """The task's scale, else one that fits a judge's data (above 5 means 1-10), else 1-5."""
    scale = task_scale(task)
    if scale is None:
        wide = labelled and max_rating is not None and max_rating > DEFAULT_SCALE[1]
        scale = WIDE_SCALE if wide else DEFAULT_SCALE
    low, high = int(scale[0]), int(scale[1])
    if not 0 <= low < high <= 10:
        raise DistilError(f"rating scale {low}-{high}: Argilla ratings must lie within 0-10")
    return low, high
