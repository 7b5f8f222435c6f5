"""TextGenerationTask: answer the `input` column, optionally guided by a principle per row."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from distilabel_cli.tasks.base import Task, row_rng
from distilabel_cli.tasks.principles import (
    Distribution,
    Principles,
    check_principles,
    draw_principle,
    resolve_principles,
)
from distilabel_cli.tasks.prompt import Prompt

DEFAULT_SYSTEM_PROMPT = "You are a helpful, respectful and honest assistant."


class TextGenerationTask(Task):
    """Generate a response to each row's `input`.

    With `principles` (groups of guidelines), each row's system prompt gets one principle
    appended: a group drawn by `principles_distribution` ("balanced" by default, or a weight
    per group), then a principle of it. A `principles_distribution` without `principles`
    draws from the UltraFeedback groups (harmlessness, helpfulness, truthfulness, honesty,
    verbalized_calibration), as distilabel 0.6 does. The draw depends on `seed` and the
    row's input only, so a resumed run sends the same prompts.
    """

    task_type: ClassVar[str] = "text-generation"
    default_system_prompt: ClassVar[str] = DEFAULT_SYSTEM_PROMPT

    system_prompt: str | None = DEFAULT_SYSTEM_PROMPT
    principles: Principles | None = Field(
        None,
        description="Groups of principles; one principle per row is appended to the system "
        "prompt. Default with a principles_distribution: the UltraFeedback groups "
        "(harmlessness, helpfulness, truthfulness, honesty, verbalized_calibration).",
    )
    principles_distribution: Distribution | None = Field(
        None, description='"balanced" or a weight per group (summing to 1).'
    )
    seed: int | None = Field(None, description="Seed of the principle drawn per row.")

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("generations",)

    @model_validator(mode="after")
    def _check_principles(self) -> TextGenerationTask:
        check_principles(self.principles, self.principles_distribution)
        self.principles = resolve_principles(self.principles, self.principles_distribution)
        return self

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        system_prompt = self.system_prompt
        if self.principles:
            rng = row_rng(self.seed, row, self.input_args_names)
            principle = draw_principle(rng, self.principles, self.principles_distribution)
            system_prompt = f"{system_prompt}\n\n{principle}" if system_prompt else principle
        return Prompt(system_prompt=system_prompt, formatted_prompt=str(row["input"]))

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"generations": text.strip()}
