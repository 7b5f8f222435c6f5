"""TextGenerationTask: answer the `input` column."""

from __future__ import annotations

from typing import Any, ClassVar

from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.prompt import Prompt

DEFAULT_SYSTEM_PROMPT = "You are a helpful, respectful and honest assistant."


class TextGenerationTask(Task):
    """Generate a response to each row's `input`."""

    system_prompt: str = DEFAULT_SYSTEM_PROMPT

    input_args_names: ClassVar[tuple[str, ...]] = ("input",)
    output_args_names: ClassVar[tuple[str, ...]] = ("generations",)

    def generate_prompt(self, row: dict[str, Any], *, structured: bool = False) -> Prompt:
        return Prompt(system_prompt=self.system_prompt, formatted_prompt=str(row["input"]))

    def parse_output(self, text: str, row: dict[str, Any]) -> dict[str, Any]:
        return {"generations": text.strip()}
