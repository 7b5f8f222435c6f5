"""Critique datasets (UltraCM, Prometheus absolute): a judge's score and critique of one response.

The record shows the input and the response (field `generation-1`); the judge's `score` and
`critique` are the suggestions of the questions `score` and `critique`. Pulling puts the
reviewers' values in `score`/`critique` and keeps the judge's in `ai_score`/`ai_critique`, as
rated datasets keep `ai_rating`/`ai_rationale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distilabel_cli.columns import GENERATION_MODEL
from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.family import (
    OUTPUT_INPUTS,
    TaskFamily,
    input_columns,
    suggestion_hint,
)
from distilabel_cli.dataset.argilla.guidelines import judge_rubric, suggestions_note
from distilabel_cli.dataset.argilla.layout import MetadataProperty, Question, generation_field
from distilabel_cli.dataset.argilla.records import RecordData, agent_of, number, suggested_rating
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from datasets import Features

RESPONSE_FIELD = generation_field(1)
SCORE, CRITIQUE = "score", "critique"
#: Metadata: the judge's score, unrounded.
AI_SCORE = "ai-score"


def response_column(columns: set[str], task: Any) -> str:
    """The column a critique judge read its one response from (its `input_mapping` first)."""
    mapped = (getattr(task, "input_mapping", None) or {}).get("generations")
    for column in (mapped, *OUTPUT_INPUTS):
        if column and column in columns:
            return column
    raise DistilError(
        "nothing to review: a critique dataset needs its response in `generations`"
        + (f" or `{mapped}`" if mapped else " or `generation`")
    )


def first_present(value: Any) -> Any:
    """The first item that is not None of a list, or the value itself."""
    if isinstance(value, list):
        return next((v for v in value if v is not None), None)
    return value


@dataclass(frozen=True)
class CritiqueFamily(TaskFamily):
    """`critique` + `score`: the reviewer checks the judge's score and critique."""

    kind = "critique"
    claims = frozenset({CRITIQUE, SCORE})
    labelled = True

    #: The column holding the one response (`generations` or a text column).
    response: str = "generations"

    @classmethod
    def detect(cls, features: Features, task: Any, scale: tuple[int, int]) -> CritiqueFamily:
        columns = set(features)
        response = response_column(columns, task)
        return cls(input_columns(columns, task, response), scale, response)

    def responses(self, rows: list[dict[str, Any]]) -> int:
        return 1

    def response_fields(self, n: int) -> dict[str, str]:
        return {RESPONSE_FIELD: "Response"}

    def questions(self, n: int, agent: str | None) -> list[Question]:
        """A rating question for the response on the judge's scale, and its critique."""
        low, high = self.scale
        hint = suggestion_hint(agent)
        return [
            Question(
                SCORE,
                "Score the response",
                "rating",
                True,
                f"{low} (worst) to {high} (best).{hint}",
                self.scale_values(),
            ),
            Question(
                CRITIQUE,
                "Critique of the response",
                "text",
                False,
                "Correct the critique where it is wrong or incomplete." + hint,
            ),
        ]

    def guidelines(self, task: Any, agent: str | None) -> str:
        """What the reviewer is asked to do, with the judge's rubric when it has one."""
        low, high = self.scale
        paragraphs = [
            f"Score the response to the input from {low} (worst) to {high} (best), and correct "
            "the critique where it is wrong or incomplete.",
            *judge_rubric(task),
            *suggestions_note("score and critique", agent),
            f"Filter or sort by `{AI_SCORE}` to review the lowest or highest scores first.",
        ]
        return "\n\n".join(paragraphs)

    def judge_properties(self, n: int) -> list[MetadataProperty]:
        return [MetadataProperty(AI_SCORE, "AI score", "float")]

    def shown_columns(self) -> tuple[str, ...]:
        extra = (self.response,) if self.response != "generations" else ()
        return (*super().shown_columns(), *extra)

    def records(self, row: dict[str, Any], index: int, n: int) -> list[RecordData]:
        """The input and the response; the judge's score and critique as suggestions."""
        record = self.new_record(row, self.record_id(row, index))
        models = row.get(GENERATION_MODEL)
        model = next((m for m in models if m), None) if isinstance(models, list) else models
        record.show_response(RESPONSE_FIELD, first_present(row.get(self.response)), model)
        record.agent = agent_of(row)
        score = number(row.get(SCORE))
        if score is not None:
            record.metadata[AI_SCORE] = score
            record.suggestions[SCORE] = suggested_rating(score, self.scale)
        critique = row.get(CRITIQUE)
        if isinstance(critique, str) and critique.strip():
            record.suggestions[CRITIQUE] = critique
        return [record]

    def merge_answers(self, row: dict[str, Any], answers: list[dict[str, Any]]) -> None:
        """The reviewers' mean score and joined critiques; the judge's in `ai_*`."""
        row["ai_score"], row["ai_critique"] = row.get(SCORE), row.get(CRITIQUE)
        if answers:
            human = rv.mean([a.get(SCORE) for a in answers])
            row[SCORE] = human if human is not None else row["ai_score"]
            row[CRITIQUE] = rv.joined([a.get(CRITIQUE) for a in answers])

    def pulled_features(self, features: Features) -> dict[str, Any]:
        from datasets import Value

        score = features[SCORE]
        if isinstance(score, Value) and score.dtype.startswith(("int", "uint")):
            score = Value("float64")  # reviewers' mean scores need not be whole
        return {SCORE: score, "ai_score": features[SCORE], "ai_critique": features[CRITIQUE]}
