"""UltraJudgeTask: score a row's generations 0-10 in several areas, then overall."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, model_validator

from distilabel_cli.tasks._parsing.scores import as_items, norm_key, text_or_none
from distilabel_cli.tasks._parsing.ultrajudge import read_blocks
from distilabel_cli.tasks._parsing.values import to_rating
from distilabel_cli.tasks.base import render_template
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.ratings_judge import RatingsJudge
from distilabel_cli.tasks.schemas import array_of, integer_enum, object_schema, string_schema

MIN_RATING, MAX_RATING = 0, 10
#: Feedback per area and response; capped so every response's scores fit the token budget.
MAX_FEEDBACK_CHARS = 250
FINAL_KEY = "final_rating"

#: What the judge looks at in each of the default areas.
AREA_DESCRIPTIONS: dict[str, str] = {
    "Practical Accuracy": "is it correct, and does it actually solve the user's problem?",
    "Clarity & Transparency": "is it easy to follow, and open about its reasoning and limits?",
    "Authenticity & Reliability": "is it honest and trustworthy, with no invented facts?",
    "Compliance with Intent": "does it do what the user asked, the way they asked it?",
}
DEFAULT_AREAS = list(AREA_DESCRIPTIONS)

DEFAULT_SYSTEM_PROMPT = (
    "You evaluate AI assistants' responses from the point of view of the user who asked: "
    "practical, clear, trustworthy answers that do what was asked are best. You are impartial "
    "and your feedback is concrete."
)


class UltraJudgeTask(RatingsJudge):
    """UltraJudge judge: `rating` (list[float], the final 0-10 score per generation) and
    `areas` (per generation, {area: {"rating": float, "rationale": str}}, or None)."""

    task_type: ClassVar[str] = "ultrajudge"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    areas: list[str] | None = Field(None, min_length=1, description="Default: the four areas.")

    output_args_names: ClassVar[tuple[str, ...]] = ("rating", "areas")
    rating_scale: ClassVar[tuple[int, int]] = (MIN_RATING, MAX_RATING)

    @model_validator(mode="after")
    def _check_areas(self) -> UltraJudgeTask:
        if self.areas is None:
            self.areas = list(DEFAULT_AREAS)
        keys = [norm_key(area) for area in self.areas]
        if not all(keys):
            raise ValueError(f"areas must be non-empty names, got {self.areas!r}")
        if len(set(keys)) != len(keys) or norm_key(FINAL_KEY) in keys:
            raise ValueError(f"areas must be distinct (and not {FINAL_KEY!r}): {self.areas!r}")
        return self

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        area_example = '{"rationale": "<one sentence>", "rating": <0-10>}'
        entry = ", ".join(f"{json.dumps(area)}: {area_example}" for area in self.areas)
        text = render_template(
            "ultrajudge.jinja2",
            instruction=row["input"],
            generations=self.shown_items(row),
            areas=[(area, AREA_DESCRIPTIONS.get(area, "")) for area in self.areas],
            structured=structured,
            json_entry=f'{{{entry}, "{FINAL_KEY}": <0-10>}}',
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        score = integer_enum(MIN_RATING, MAX_RATING)
        # the reason first, then the score it leads to
        area = object_schema({"rationale": string_schema(MAX_FEEDBACK_CHARS), "rating": score})
        entry = object_schema({**dict.fromkeys(self.areas, area), FINAL_KEY: score})
        n = len(as_items(row["generations"]))
        return object_schema({"evaluations": array_of(entry, n)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        items = as_items(row["generations"])
        blocks, combined = read_blocks(text or "", self.areas)
        ratings: list[float | None] = [None] * len(items)
        areas: list[dict[str, Any] | None] = [None] * len(items)
        for i, item in enumerate(items):
            if item is None:
                continue
            if combined is not None and i < len(combined):
                ratings[i] = to_rating(combined[i], MIN_RATING, MAX_RATING)
            block = blocks.get(i + 1)
            if block is not None:
                areas[i] = self._areas_read(block)
                if ratings[i] is None:
                    ratings[i] = _final(block, areas[i])
        return {"rating": ratings, "areas": areas}

    def _areas_read(self, block: dict[str, Any]) -> dict[str, Any]:
        """{area: {"rating", "rationale"}} for every area (None where not read)."""
        read = {}
        for area in self.areas:
            score, feedback = block["areas"].get(area, (None, None))
            read[area] = {
                "rating": to_rating(score, MIN_RATING, MAX_RATING),
                "rationale": text_or_none(feedback),
            }
        return read

    def output_features(self) -> dict[str, Any]:
        from datasets import List, Value

        area = {"rating": Value("float64"), "rationale": Value("string")}
        return {
            "rating": List(Value("float64")),
            "areas": List({name: area for name in self.areas}),
        }


def _final(block: dict[str, Any], areas: dict[str, Any]) -> float | None:
    """The response's own final score, else the mean of its area scores."""
    final = to_rating(block["final"], MIN_RATING, MAX_RATING)
    scores = [a["rating"] for a in areas.values() if a["rating"] is not None]
    if final is None and scores:
        final = round(sum(scores) / len(scores), 2)
    return final
