"""PrometheusTask: grade responses against a rubric, absolute (a 1-5 score for one response)
or relative (which of two responses is better)."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from distilabel_cli.tasks._parsing.critique import (
    CRITIQUE_KEYS,
    GAP,
    WINNER_KEYS,
    clean_critique,
    count_problem,
    find_last,
    json_answer,
    pick,
    present_responses,
    read_score,
    score_patterns,
    without,
)
from distilabel_cli.tasks.base import render_template
from distilabel_cli.tasks.critique_judge import CritiqueJudge
from distilabel_cli.tasks.prompt import Prompt

MIN_SCORE, MAX_SCORE = 1, 5
DEFAULT_SYSTEM_PROMPT = (
    "You are a fair and strict evaluator. You judge responses only by the given rubric and "
    "explain your judgement briefly before giving it."
)
ABSOLUTE_OUTPUTS = ("critique", "score")
RELATIVE_OUTPUTS = ("critique", "rating")

_SCORE_PATTERNS = score_patterns(
    MAX_SCORE, r"\[\s*result\s*\]", r"\bresult", r"\bscore", r"\brating"
)
_RESPONSE = r"(?:(?i:response|output)\s+)?"
_WINNER_PATTERNS = (
    # after [RESULT] a lowercase letter too, but only alone ("[RESULT] a", not "a tie")
    re.compile(
        rf"(?i:\[\s*result\s*\]){GAP}\(?\s*{_RESPONSE}([AB]\b|[ab](?=[\s.*)\]\"']*$))", re.M
    ),
    re.compile(
        rf"(?i:\b(?:result|winner|verdict|better response|preferred response)){GAP}"
        rf"\(?\s*{_RESPONSE}([AB])\b"
    ),
    re.compile(r"\b(?:Response|Output)\s+([AB])\s+is\s+(?:the\s+)?(?:better|superior|preferred)"),
)


class PrometheusTask(CritiqueJudge):
    """Prometheus grader. Absolute: `critique` (str) and `score` (float 1-5) of the row's one
    response. Relative: `critique` (str) and `rating` (list[float], 1.0 for the better of two
    responses, 0.0 for the other). An optional `ref_completion` column is a reference answer."""

    task_type: ClassVar[str] = "prometheus"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    mode: Literal["absolute", "relative"] = "absolute"
    scoring_criteria: str = Field(description="The question the rubric answers.")
    score_descriptions: dict[int, str] | None = Field(
        None, description="Absolute mode: what scores 1..5 mean (all five)."
    )

    score_range: ClassVar[tuple[int, int]] = (MIN_SCORE, MAX_SCORE)
    CRITIQUE_KEY: ClassVar[str] = "feedback"

    @model_validator(mode="after")
    def _rubric_fits_mode(self) -> PrometheusTask:
        given = sorted(self.score_descriptions or {})
        if self.mode == "absolute" and given != [1, 2, 3, 4, 5]:
            raise ValueError(f"absolute mode needs score_descriptions for scores 1-5 (got {given})")
        return self

    @property
    def output_args_names(self) -> tuple[str, ...]:  # type: ignore[override]
        """Columns written: `critique`, `score` (absolute) or `critique`, `rating` (relative)."""
        return ABSOLUTE_OUTPUTS if self.mode == "absolute" else RELATIVE_OUTPUTS

    @property
    def rating_scale(self) -> tuple[int, int]:
        """The scale of `score` (1-5), or of `rating` in relative mode (0 worse, 1 better),
        when reviewed in Argilla."""
        return (0, 1) if self.mode == "relative" else self.score_range

    def responses_per_row(self) -> int:
        return 2 if self.mode == "relative" else 1

    def row_problem(self, row: dict[str, Any]) -> str | None:
        if self.mode == "absolute":
            remedy = "set run.num_generations: 1, use input.explode: generations, or mode: relative"
            return count_problem(row, "prometheus (absolute)", 1, remedy)
        return count_problem(row, "prometheus (relative)", 2, "set run.num_generations: 2")

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        texts = [t for _, t in present_responses(row)] + ["(no response)"] * 2
        context = {
            "instruction": row["input"],
            "reference": row.get("ref_completion"),
            "criteria": self.scoring_criteria,
            "structured": structured,
        }
        if self.mode == "absolute":
            rubric = sorted((self.score_descriptions or {}).items())
            text = render_template(
                "prometheus_absolute.jinja2", **context, response=texts[0], rubric=rubric
            )
        else:
            text = render_template(
                "prometheus_relative.jinja2", **context, response_a=texts[0], response_b=texts[1]
            )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "absolute":
            return super().json_schema(row)
        return self.critique_schema({"winner": {"type": "string", "enum": ["A", "B"]}})

    def read(self, text: str | None) -> tuple[str | None, float | None]:
        return parse_absolute(text)

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "absolute":
            return super().parse_output(text, row)
        critique, winner = parse_relative(text)
        rating: list[float | None] = [None] * _slots(row)
        positions = [i for i, _ in present_responses(row)]
        if winner is not None and len(positions) == 2:
            rating[positions[0]], rating[positions[1]] = (1.0, 0.0) if winner == "A" else (0.0, 1.0)
        return {"critique": critique, "rating": rating}

    def output_features(self) -> dict[str, Any]:
        if self.mode == "absolute":
            return super().output_features()
        from datasets import List, Value

        return {"critique": Value("string"), "rating": List(Value("float64"))}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        if self.mode == "absolute":
            return super().count_parsed(outputs, row)
        ok = sum(r is not None for r in outputs.get("rating") or [])
        return ok, len(present_responses(row)) - ok

    def empty_output(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "absolute":
            return super().empty_output(row)
        return {"critique": None, "rating": [None] * _slots(row)}


def _slots(row: dict[str, Any]) -> int:
    """How many ratings a row gets: one per item of its `generations`."""
    generations = row.get("generations")
    if isinstance(generations, str):
        return 1
    return len(generations or [])


def parse_absolute(text: str | None) -> tuple[str | None, float | None]:
    """(feedback, score 1-5) from a JSON or `Feedback: ... [RESULT] n` answer."""
    return read_score(text, _SCORE_PATTERNS, MIN_SCORE, MAX_SCORE)


def parse_relative(text: str | None) -> tuple[str | None, Literal["A", "B"] | None]:
    """(feedback, winner "A"/"B") from a JSON or `Feedback: ... [RESULT] A` answer."""
    if not text or not text.strip():
        return None, None
    data = json_answer(text, WINNER_KEYS)
    if data is not None:
        return clean_critique(pick(data, CRITIQUE_KEYS)), _winner(pick(data, WINNER_KEYS))
    match = find_last(text, _WINNER_PATTERNS)
    if match is None:
        return clean_critique(text), None
    if match.re is _WINNER_PATTERNS[-1]:  # a sentence of the feedback: keep it whole
        return clean_critique(text), _winner(match.group(1))
    return clean_critique(without(text, match)), _winner(match.group(1))


def _winner(value: Any) -> Literal["A", "B"] | None:
    if not isinstance(value, str):
        return None
    letter = re.sub(r"(?i)^\W*(?:response|output)?\s*", "", value.strip()).rstrip(" .*)\"'")
    letter = letter.upper()
    return "A" if letter == "A" else "B" if letter == "B" else None
