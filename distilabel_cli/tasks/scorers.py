"""Deita scorers: QualityScorerTask (responses to an input) and ComplexityScorerTask
(instructions), each scoring every item of `generations` from 1 to 6."""

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
)
from distilabel_cli.tasks.base import render_template
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.ratings_judge import RatingsJudge
from distilabel_cli.tasks.schemas import object_schema

MIN_SCORE, MAX_SCORE = 1, 6


class _DeitaScorer(RatingsJudge):
    """Scores every item of `generations` 1-6 in one request; output `rating` (list[float])."""

    output_args_names: ClassVar[tuple[str, ...]] = ("rating",)
    rating_scale: ClassVar[tuple[int, int]] = (MIN_SCORE, MAX_SCORE)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        return object_schema({"scores": self.scores_schema(row)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        items = as_items(row["generations"])
        return {"rating": mask_missing(parse_scores(text or "", len(items)), items)}

    def output_features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"rating": List(Value("float64"))}


class QualityScorerTask(_DeitaScorer):
    """Deita quality scorer: how good each response in `generations` is as an answer to `input`."""

    task_type: ClassVar[str] = "quality-scorer"
    default_system_prompt: ClassVar[str] = (
        "You are an expert reviewer who scores how well AI assistants' responses answer an "
        "instruction."
    )

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        text = render_template(
            "quality_scorer.jinja2",
            instruction=row["input"],
            generations=self.shown_items(row),
            structured=structured,
            max_score=MAX_SCORE,
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)


class ComplexityScorerTask(_DeitaScorer):
    """Deita complexity scorer: how complex each instruction in `generations` is.

    `generations` holds instructions here (e.g. `input_mapping: {generations: instructions}`);
    a single string (e.g. `{generations: input}`) is scored as a list of one.
    """

    task_type: ClassVar[str] = "complexity-scorer"
    default_system_prompt: ClassVar[str] = (
        "You are an expert who judges how complex and difficult instructions given to AI "
        "assistants are."
    )
    input_args_names: ClassVar[tuple[str, ...]] = ("generations",)

    def row_problem(self, row: dict[str, Any]) -> str | None:
        if not any(item is not None for item in as_items(row.get("generations"))):
            return "no instructions to score"
        return None

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        text = render_template(
            "complexity_scorer.jinja2",
            instructions=self.shown_items(row, "(no instruction)"),
            structured=structured,
            max_score=MAX_SCORE,
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)


def parse_scores(text: str, n: int) -> list[float | None]:
    """n scores from `{"scores": [...]}`, "[i] Score: s" lines, or one line of scores."""
    data = load_json(text)
    if isinstance(data, dict):
        scores = first_value(data, ("scores", "ratings", "score", "rating"))
        if isinstance(scores, list):
            return ratings_from(scores, n, MIN_SCORE, MAX_SCORE)
    by_index = indexed_scores(text)
    if by_index:
        return ratings_from([by_index.get(i) for i in range(1, n + 1)], n, MIN_SCORE, MAX_SCORE)
    found = find_scores_lines(text, n)
    return ratings_from(found[0] if found else [], n, MIN_SCORE, MAX_SCORE)
