"""Task families: what a dataset's output columns mean for an Argilla review.

A family is found from the columns, so datasets loaded without a task sidecar work too:
- `instructions` (self-instruct, evol): one record per instruction, rated by the reviewer;
- `generations` + `rating` (UltraFeedback, JudgeLM, QualityScorer, ...): the judge's ratings
  (and rationales: one per generation, or one per row as JudgeLM) become suggestions;
- `critique` + `score` (UltraCM, Prometheus absolute): the judge's score and critique of the
  row's one response (`generations[0]`, or a text column such as `generation`) are suggestions;
- `generations` alone (text generation): rating questions without suggestions.
The rating scale comes from the task (a `rating_scale` attribute, or `RATING_SCALES`), else
from the data (ratings or scores above 5 mean 1-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from datasets import Features

from distilabel_cli.errors import DistilError

Kind = Literal["rated", "critique", "generation", "instructions"]
Rationale = Literal["per_generation", "single"] | None

#: Rating scales of known judges, by task class name (Argilla allows 0-10).
RATING_SCALES: dict[str, tuple[int, int]] = {
    "UltraFeedbackTask": (1, 5),
    "JudgeLMTask": (1, 10),
    "UltraJudgeTask": (0, 10),
}
DEFAULT_SCALE = (1, 5)
WIDE_SCALE = (1, 10)
#: Columns a task reads that are outputs of an earlier step, not inputs to show.
OUTPUT_INPUTS = ("generations", "generation")


@dataclass(frozen=True)
class TaskFamily:
    """How a dataset is laid out for review."""

    kind: Kind
    inputs: tuple[str, ...]
    scale: tuple[int, int]
    rationale: Rationale = None
    #: Critique family: the column holding the one response (`generations` or a text column).
    response: str | None = None

    @property
    def labelled(self) -> bool:
        """True when an AI judge's ratings or scores exist (they become suggestions)."""
        return self.kind in ("rated", "critique")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "inputs": list(self.inputs),
            "scale": list(self.scale),
            "rationale": self.rationale,
            "response": self.response,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskFamily:
        scale = tuple(data["scale"])
        return cls(
            data["kind"],
            tuple(data["inputs"]),
            (scale[0], scale[1]),
            data["rationale"],
            data.get("response"),
        )


def _is_list(feature: Any) -> bool:
    return isinstance(feature, list) or type(feature).__name__ in ("List", "LargeList", "Sequence")


def detect_family(
    features: Features, task: Any = None, max_rating: float | None = None
) -> TaskFamily:
    """The family of a dataset with these columns; `max_rating` is its highest rating."""
    columns = set(features)
    response: str | None = None
    if "instructions" in columns:
        kind: Kind = "instructions"
    elif {"critique", "score"} <= columns:
        kind, response = "critique", _response_column(columns, task)
    elif "generations" in columns:
        kind = "rated" if "rating" in columns else "generation"
    else:
        raise DistilError(
            "nothing to review: the dataset has no `generations` or `instructions` column "
            f"(columns: {', '.join(sorted(columns)) or 'none'})"
        )
    names = getattr(task, "input_args_names", None) or ("input",)
    inputs = tuple(c for c in names if c not in (*OUTPUT_INPUTS, response) and c in columns)
    if not inputs and "input" in columns:  # e.g. a complexity scorer reads only generations
        inputs = ("input",)
    if not inputs:
        raise DistilError(f"no input column to show reviewers: expected one of {list(names)}")
    rationale: Rationale = None
    if kind == "rated" and "rationale" in columns:
        rationale = "per_generation" if _is_list(features["rationale"]) else "single"
    return TaskFamily(kind, inputs, rating_scale(task, kind, max_rating), rationale, response)


def _response_column(columns: set[str], task: Any) -> str:
    """The column a critique judge read its one response from (its `input_mapping` first)."""
    mapped = (getattr(task, "input_mapping", None) or {}).get("generations")
    for column in (mapped, *OUTPUT_INPUTS):
        if column and column in columns:
            return column
    raise DistilError(
        "nothing to review: a critique dataset needs its response in `generations`"
        + (f" or `{mapped}`" if mapped else " or `generation`")
    )


def rating_scale(task: Any, kind: Kind, max_rating: float | None) -> tuple[int, int]:
    """The task's scale, a known judge's, or one that fits the data (`max_rating`)."""
    scale = getattr(task, "rating_scale", None) or RATING_SCALES.get(type(task).__name__)
    if scale is None:
        wide = (
            kind in ("rated", "critique")
            and max_rating is not None
            and max_rating > DEFAULT_SCALE[1]
        )
        scale = WIDE_SCALE if wide else DEFAULT_SCALE
    low, high = int(scale[0]), int(scale[1])
    if not 0 <= low < high <= 10:
        raise DistilError(f"rating scale {low}-{high}: Argilla ratings must lie within 0-10")
    return low, high
