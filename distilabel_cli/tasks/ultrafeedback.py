"""UltraFeedbackTask: rate a row's generations 1-5 on one aspect."""

from __future__ import annotations

from typing import Any, ClassVar

from distilabel_cli.tasks._parsing.ratings import parse_ratings
from distilabel_cli.tasks.base import Task, template_env
from distilabel_cli.tasks.prompt import Prompt
from distilabel_cli.tasks.schemas import array_of, integer_enum, object_schema, string_schema
from distilabel_cli.tasks.ultrafeedback_rubrics import (
    DEFAULT_JUDGE_SYSTEM_PROMPT,
    RUBRICS,
    UltraFeedbackAspect,
    aspect_from_distilabel_06,
)

MIN_RATING, MAX_RATING = 1, 5
#: Keeps a rambling judge from using up its token budget on the first response.
MAX_RATIONALE_CHARS = 300


class UltraFeedbackTask(Task):
    """UltraFeedback judge: `rating` (list[float]) and `rationale` (list[str]) per generation."""

    task_type: ClassVar[str] = "ultrafeedback"
    default_system_prompt: ClassVar[str] = DEFAULT_JUDGE_SYSTEM_PROMPT

    aspect: UltraFeedbackAspect = "instruction-following"

    input_args_names: ClassVar[tuple[str, ...]] = ("input", "generations")
    output_args_names: ClassVar[tuple[str, ...]] = ("rating", "rationale")
    is_labeller: ClassVar[bool] = True
    rating_scale: ClassVar[tuple[int, int]] = (MIN_RATING, MAX_RATING)

    @classmethod
    def for_aspect(cls, aspect: UltraFeedbackAspect, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect=aspect, **kwargs)

    @classmethod
    def fields_from_distilabel_06(
        cls, sidecar: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Fields for a sidecar saved by distilabel 0.6, which stored the rubric
        (`task_description`, `ratings`) instead of the aspect."""
        if "aspect" in sidecar:
            return fields
        aspect = aspect_from_distilabel_06(sidecar.get("task_description"), sidecar.get("ratings"))
        return fields if aspect is None else {**fields, "aspect": aspect}

    @classmethod
    def for_overall_quality(cls, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect="text-quality", **kwargs)

    @classmethod
    def for_text_quality(cls, **kwargs: Any) -> UltraFeedbackTask:
        """distilabel 0.6's name for `for_overall_quality`."""
        return cls(aspect="text-quality", **kwargs)

    @classmethod
    def for_helpfulness(cls, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect="helpfulness", **kwargs)

    @classmethod
    def for_truthfulness(cls, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect="truthfulness", **kwargs)

    @classmethod
    def for_honesty(cls, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect="honesty", **kwargs)

    @classmethod
    def for_instruction_following(cls, **kwargs: Any) -> UltraFeedbackTask:
        return cls(aspect="instruction-following", **kwargs)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        rubric = RUBRICS[self.aspect]
        text = (
            template_env()
            .get_template("ultrafeedback.jinja2")
            .render(
                title=rubric.title,
                description=rubric.description,
                rubric=list(enumerate(rubric.scores, start=1)),
                instruction=row["input"],
                generations=[g if g is not None else "(no response)" for g in row["generations"]],
                structured=structured,
            )
        )
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=text)

    def json_schema(self, row: dict[str, Any]) -> dict[str, Any]:
        n = len(row.get("generations") or [])
        item = object_schema(  # the reason first, then the score it leads to
            {
                "rationale": string_schema(MAX_RATIONALE_CHARS),
                "rating": integer_enum(MIN_RATING, MAX_RATING),
            }
        )
        return object_schema({"ratings": array_of(item, n)})

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        generations = row.get("generations") or []
        ratings, rationales = parse_ratings(text, len(generations), MIN_RATING, MAX_RATING)
        for i, generation in enumerate(generations):
            if generation is None:
                ratings[i], rationales[i] = None, None
        return {"rating": ratings, "rationale": rationales}

    def output_features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"rating": List(Value("float64")), "rationale": List(Value("string"))}

    def count_parsed(self, outputs: dict[str, Any], row: dict[str, Any]) -> tuple[int, int]:
        expected = [g is not None for g in row.get("generations") or []]
        ok = sum(r is not None for r in outputs["rating"] or [])
        return ok, sum(expected) - ok

    def empty_output(self, row: dict[str, Any]) -> dict[str, Any]:
        n = len(row.get("generations") or [])
        return {"rating": [None] * n, "rationale": [None] * n}
