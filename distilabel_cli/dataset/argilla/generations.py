"""Families that show a row's generations side by side, one rating question each.

- `GenerationFamily` (text generation): no judge, so no suggestions; pulling adds
  `rating`/`rationale` (None where unreviewed).
- `RatedFamily` (UltraFeedback, JudgeLM, UltraJudge, the scorers, Prometheus relative): the
  judge's `rating` (and `rationale`: one per generation, or one per row as JudgeLM) are the
  suggestions; pulling keeps the judge's in `ai_rating`/`ai_rationale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from distilabel_cli.columns import GENERATION_MODEL
from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.family import TaskFamily, input_columns, suggestion_hint
from distilabel_cli.dataset.argilla.guidelines import judge_rubric, suggestions_note
from distilabel_cli.dataset.argilla.layout import MetadataProperty, Question, generation_field
from distilabel_cli.dataset.argilla.records import RecordData, agent_of, number, suggested_rating
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from datasets import Features

Rationale = Literal["per_generation", "single"] | None


def model_of(models: Any, i: int) -> Any:
    """The model of the i-th generation: its item of a list, or the one model named."""
    if isinstance(models, list):
        return models[i - 1] if i <= len(models) else None
    return models if isinstance(models, str) else None


def is_list(feature: Any) -> bool:
    """True for a `datasets` list feature (a rationale per generation)."""
    return isinstance(feature, list) or type(feature).__name__ in ("List", "LargeList", "Sequence")


def rating_distance(ratings: list[float | None]) -> float | None:
    """Best minus second-best rating (None with fewer than two ratings)."""
    valid = sorted((r for r in ratings if r is not None), reverse=True)
    return valid[0] - valid[1] if len(valid) >= 2 else None


@dataclass(frozen=True)
class GenerationFamily(TaskFamily):
    """`generations` alone: the reviewer rates each generation and may say why."""

    kind = "generation"
    claims = frozenset({"generations"})

    def responses(self, rows: list[dict[str, Any]]) -> int:
        n = max(len(r.get("generations") or []) for r in rows)
        if n == 0:
            raise DistilError("nothing to review: every row's `generations` is empty")
        return n

    def response_fields(self, n: int) -> dict[str, str]:
        return {generation_field(i): f"Generation {i}" for i in range(1, n + 1)}

    def questions(self, n: int, agent: str | None) -> list[Question]:
        """A required rating per generation, then the optional rationale question(s)."""
        low, high = self.scale
        scale = f"{low} (worst) to {high} (best)." + suggestion_hint(agent)
        values = self.scale_values()
        ratings = [
            Question(f"rating-{i}", f"Rate generation {i}", "rating", True, scale, values)
            for i in range(1, n + 1)
        ]
        return ratings + self.rationale_questions(n, agent)

    def rationale_questions(self, n: int, agent: str | None) -> list[Question]:
        """An optional text question per generation."""
        return [
            Question(f"rationale-{i}", f"Rationale for generation {i}", "text", False)
            for i in range(1, n + 1)
        ]

    def guidelines(self, task: Any, agent: str | None) -> str:
        low, high = self.scale
        return f"Rate each generation of the input from {low} (worst) to {high} (best)."

    def records(self, row: dict[str, Any], index: int, n: int) -> list[RecordData]:
        """One record: the inputs and every generation ("(no response)" where missing)."""
        record = self.new_record(row, self.record_id(row, index))
        generations = list(row.get("generations") or [])
        models = row.get(GENERATION_MODEL)
        for i in range(1, n + 1):
            text = generations[i - 1] if i <= len(generations) else None
            record.show_response(generation_field(i), text, model_of(models, i))
        return [record]

    def human_values(
        self, row: dict[str, Any], answers: list[dict[str, Any]]
    ) -> tuple[list[float | None], Any]:
        """The reviewers' mean rating per generation, and their rationales joined."""
        n = len(row.get("generations") or [])
        ratings = [rv.mean([a.get(f"rating-{i}") for a in answers]) for i in range(1, n + 1)]
        reasons = [rv.joined([a.get(f"rationale-{i}") for a in answers]) for i in range(1, n + 1)]
        return ratings, reasons

    def merge_answers(self, row: dict[str, Any], answers: list[dict[str, Any]]) -> None:
        ratings, reasons = self.human_values(row, answers)
        row["rating"] = ratings if answers else None
        row["rationale"] = reasons if answers else None

    def pulled_features(self, features: Features) -> dict[str, Any]:
        from datasets import List, Value

        return {"rating": List(Value("float64")), "rationale": List(Value("string"))}


@dataclass(frozen=True)
class RatedFamily(GenerationFamily):
    """`generations` + `rating` (+ `rationale`): an AI judge's ratings to check."""

    kind = "rated"
    claims = frozenset({"generations", "rating"})
    labelled = True

    rationale: Rationale = None

    @classmethod
    def detect(cls, features: Features, task: Any, scale: tuple[int, int]) -> RatedFamily:
        rationale: Rationale = None
        if "rationale" in features:
            rationale = "per_generation" if is_list(features["rationale"]) else "single"
        return cls(input_columns(set(features), task), scale, rationale)

    def rationale_questions(self, n: int, agent: str | None) -> list[Question]:
        """One question for a judge that explains all ratings at once, else one per generation."""
        if self.rationale != "single":
            return super().rationale_questions(n, agent)
        hint = suggestion_hint(agent).strip()
        return [Question("rationale", "Rationale for the ratings", "text", False, hint)]

    def judge_properties(self, n: int) -> list[MetadataProperty]:
        """The judge's unrounded ratings and the gap between the best two."""
        return [
            MetadataProperty(f"{generation_field(i)}-ai-rating", f"AI rating {i}", "float")
            for i in range(1, n + 1)
        ] + [MetadataProperty("rating-distance", "Best minus second-best AI rating", "float")]

    def guidelines(self, task: Any, agent: str | None) -> str:
        paragraphs = [
            super().guidelines(task, agent),
            *judge_rubric(task),
            *suggestions_note("ratings and rationales", agent),
            "Filter by `rating-distance` to review close calls first.",
        ]
        return "\n\n".join(paragraphs)

    def records(self, row: dict[str, Any], index: int, n: int) -> list[RecordData]:
        """The generations, with the judge's ratings and rationales as suggestions."""
        [record] = super().records(row, index, n)
        raw = row.get("rating")
        ratings = [number(r) for r in raw] if isinstance(raw, list) else []
        ratings = (ratings + [None] * n)[:n]
        record.agent = agent_of(row)
        for i, rating in enumerate(ratings, start=1):
            if rating is not None:
                record.metadata[f"{generation_field(i)}-ai-rating"] = rating
                record.suggestions[f"rating-{i}"] = suggested_rating(rating, self.scale)
        record.metadata["rating-distance"] = rating_distance(ratings)
        rationale = row.get("rationale")
        if self.rationale == "single" and isinstance(rationale, str) and rationale.strip():
            record.suggestions["rationale"] = rationale
        elif self.rationale == "per_generation" and isinstance(rationale, list):
            for i, text in enumerate(rationale[:n], start=1):
                if isinstance(text, str) and text.strip():
                    record.suggestions[f"rationale-{i}"] = text
        return [record]

    def human_values(
        self, row: dict[str, Any], answers: list[dict[str, Any]]
    ) -> tuple[list[float | None], Any]:
        ratings, reasons = super().human_values(row, answers)
        if self.rationale == "single":
            reasons = rv.joined([a.get("rationale") for a in answers])
        return ratings, reasons

    def merge_answers(self, row: dict[str, Any], answers: list[dict[str, Any]]) -> None:
        """The reviewers' ratings (the judge's where a reviewer gave none) and rationales in
        `rating`/`rationale`; the judge's always in `ai_rating`/`ai_rationale`."""
        ratings, reasons = self.human_values(row, answers)
        row["ai_rating"] = row.get("rating")
        if self.rationale is not None:
            row["ai_rationale"] = row.get("rationale")
        if answers:
            ai = list(row.get("rating") or []) + [None] * len(ratings)
            row["rating"] = [h if h is not None else ai[i] for i, h in enumerate(ratings)]
            if self.rationale is not None:
                row["rationale"] = reasons

    def pulled_features(self, features: Features) -> dict[str, Any]:
        added = {"ai_rating": features["rating"]}
        if self.rationale is not None:
            added["ai_rationale"] = features["rationale"]
        return added
