"""Critique datasets (UltraCM, Prometheus absolute): a judge's score and critique of one response.

The record shows the input and the response (field `generation-1`); the judge's `score` and
`critique` are the suggestions of the questions `score` and `critique`. Pulling puts the
reviewers' values in `score`/`critique` and keeps the judge's in `ai_score`/`ai_critique`, as
rated datasets keep `ai_rating`/`ai_rationale`.
"""

from __future__ import annotations

import json
from typing import Any

from datasets import Features, Value

from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.families import TaskFamily
from distilabel_cli.dataset.argilla.layout import Question, generation_field
from distilabel_cli.dataset.argilla.records import (
    DEFAULT_AGENT,
    NO_TEXT,
    ROW_KEY,
    RecordData,
    as_text,
    base_record,
    number,
    suggested_rating,
)

RESPONSE_FIELD = generation_field(1)
SCORE, CRITIQUE = "score", "critique"
#: Metadata: the judge's score, unrounded.
AI_SCORE = "ai-score"


def response_of(row: dict[str, Any], family: TaskFamily) -> Any:
    """The row's one response: the first present item of a list, or the text itself."""
    value = row.get(family.response or "generations")
    if isinstance(value, list):
        return next((v for v in value if v is not None), None)
    return value


def critique_questions(family: TaskFamily, agent: str | None) -> list[Question]:
    """A rating question for the response on the judge's scale, and its critique."""
    low, high = family.scale
    hint = f" The suggestion is {agent}'s." if agent else ""
    values = tuple(range(low, high + 1))
    return [
        Question(
            SCORE,
            "Score the response",
            "rating",
            True,
            f"{low} (worst) to {high} (best).{hint}",
            values,
        ),
        Question(
            CRITIQUE,
            "Critique of the response",
            "text",
            False,
            "Correct the critique where it is wrong or incomplete." + hint,
        ),
    ]


def critique_guidelines(family: TaskFamily, task: Any, agent: str | None) -> str:
    """What the reviewer is asked to do, with the judge's rubric when it has one."""
    low, high = family.scale
    lines = [
        f"Score the response to the input from {low} (worst) to {high} (best), and correct "
        "the critique where it is wrong or incomplete."
    ]
    criteria = getattr(task, "scoring_criteria", None)
    if criteria:
        lines.append(f"**Criteria**: {criteria}")
    descriptions = getattr(task, "score_descriptions", None) or {}
    if descriptions:
        lines.append("\n".join(f"{k}. {v}" for k, v in sorted(descriptions.items())))
    if agent:
        lines.append(
            f"The score and critique filled in are suggestions from the AI judge `{agent}`: "
            "check them, change what you disagree with, then submit."
        )
    lines.append(f"Filter or sort by `{AI_SCORE}` to review the lowest or highest scores first.")
    return "\n\n".join(lines)


def critique_record(row: dict[str, Any], family: TaskFamily, key: str) -> RecordData:
    """The input and the response; the judge's score and critique as suggestions."""
    fields, metadata = base_record(row, family)
    text = as_text(response_of(row, family))
    fields[RESPONSE_FIELD] = text
    metadata[f"{RESPONSE_FIELD}-length"] = len(text) if text != NO_TEXT else 0
    models = row.get("generation_model")
    model = next((m for m in models if m), None) if isinstance(models, list) else models
    if model:
        metadata[f"{RESPONSE_FIELD}-model"] = str(model)
    record = RecordData(
        key, fields, metadata, agent=str(row.get("labelling_model") or DEFAULT_AGENT)
    )
    score = number(row.get(SCORE))
    if score is not None:
        metadata[AI_SCORE] = score
        record.suggestions[SCORE] = suggested_rating(score, family.scale)
    critique = row.get(CRITIQUE)
    if isinstance(critique, str) and critique.strip():
        record.suggestions[CRITIQUE] = critique
    return record


def critique_rows(
    records: list[tuple[str, dict[str, Any], rv.Reviews]], features: Features
) -> tuple[list[dict[str, Any]], Features]:
    """Rows with the reviewers' `score`/`critique` where submitted, the judge's in `ai_*`."""
    out = []
    for _, metadata, reviews in records:
        row = json.loads(metadata[ROW_KEY])
        answers = rv.submitted(reviews)
        row["ai_score"], row["ai_critique"] = row.get(SCORE), row.get(CRITIQUE)
        if answers:
            human = rv.mean([a.get(SCORE) for a in answers])
            row[SCORE] = human if human is not None else row["ai_score"]
            row[CRITIQUE] = rv.joined([a.get(CRITIQUE) for a in answers])
        row["reviewed"] = bool(answers)
        row["discarded"] = rv.discarded(reviews)
        out.append(row)
    score = features[SCORE]
    if isinstance(score, Value) and score.dtype.startswith(("int", "uint")):
        score = Value("float64")  # reviewers' mean scores need not be whole
    added = {
        SCORE: score,
        "ai_score": features[SCORE],
        "ai_critique": features[CRITIQUE],
        "reviewed": Value("bool"),
        "discarded": Value("bool"),
    }
    return out, Features({**features, **added})
