"""JudgeLMTask: rate a row's generations 1-10 with one explanation for all of them."""

from __future__ import annotations

from typing import Any, ClassVar

from distilabel_cli.tasks._parsing.json_answer import load_json
from distilabel_cli.tasks._parsing.scores import (
    as_items,
    find_scores_lines,
    first_value,
    indexed_scores,
    mask_missing,
    ratings_from,
    text_or_none,
)
from distilabel_cli.tasks.base import render_template
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.ratings_judge import RatingsJudge
from distilabel_cli.tasks.schemas import object_schema, string_schema

MIN_RATING, MAX_RATING = 1, 10
#: One explanation for every response; capped so the ratings still fit the token budget.
MAX_RATIONALE_CHARS = 600
#: Example first line of the classic answer (cycled for more responses).
_EXAMPLE_SCORES = (7, 4, 9, 6, 8, 3, 5, 10, 2, 1)

DEFAULT_SYSTEM_PROMPT = (
    "You are a precise and impartial judge of the answers AI assistants give to users' questions."
)


class JudgeLMTask(RatingsJudge):
    """JudgeLM judge: `rating` (list[float], 1-10, per generation) and one `rationale` (str)."""

    task_type: ClassVar[str] = "judgelm"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    output_args_names: ClassVar[tuple[str, ...]] = ("rating", "rationale")
    rating_scale: ClassVar[tuple[int, int]] = (MIN_RATING, MAX_RATING)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        generations = self.shown_items(row)
        example = " ".join(str(_EXAMPLE_SCORES[i % 10]) for i in range(len(generations)))
        text = render_template(
            "judgelm.jinja2",
            instruction=row["input"],
            generations=generations,
            structured=structured,
            example_scores=example,
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return object_schema(  # the reasoning first, then the scores it leads to
            {"rationale": string_schema(MAX_RATIONALE_CHARS), "ratings": self.scores_schema(row)}
        )

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        items = as_items(row["generations"])
        ratings, rationale = _parse(text or "", len(items))
        return {"rating": mask_missing(ratings, items), "rationale": rationale}

    def output_features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"rating": List(Value("float64")), "rationale": Value("string")}


def _parse(text: str, n: int) -> tuple[list[float | None], str | None]:
    """Ratings and rationale from a JSON answer, else from "s1 s2 ...\\nexplanation"."""
    data = load_json(text)
    if isinstance(data, dict):
        scores = first_value(data, ("ratings", "scores", "rating", "score"))
        rationale = first_value(data, ("rationale", "explanation", "reasoning", "feedback"))
        if scores is not None or isinstance(rationale, str):
            values = scores if isinstance(scores, list) else [scores]
            return ratings_from(values, n, MIN_RATING, MAX_RATING), text_or_none(rationale)
    found = find_scores_lines(text, n)
    if found is None:  # scores inside prose lines ("Assistant 1: 8/10 - clear and right")
        by_index = indexed_scores(text)
        values = [by_index.get(i) for i in range(1, n + 1)]
        return ratings_from(values, n, MIN_RATING, MAX_RATING), text_or_none(text)
    numbers, start, end = found
    lines = [line if not line.strip().startswith("```") else "" for line in text.splitlines()]
    rationale = text_or_none("\n".join(lines[end:])) or text_or_none("\n".join(lines[:start]))
    return ratings_from(numbers, n, MIN_RATING, MAX_RATING), rationale
