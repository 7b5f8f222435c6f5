"""A scripted judge LLM for the task tests: answers come from a function, no model runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from distilabel_cli.llms.base import LLM, Completion


@dataclass(kw_only=True)
class ScriptedJudge(LLM):
    """Answers each request with `answer(prompt_text, json_schema)`; counts its requests."""

    answer: Callable[[str, dict[str, Any] | None], str]
    structured: bool = False

    @property
    def model_name(self) -> str:
        return "judge"

    @property
    def supports_structured_output(self) -> bool:
        return self.structured

    async def agenerate(self, prompt, num_generations=1, json_schema=None) -> list[Completion]:
        self.usage.requests += 1
        text = prompt[-1]["content"] if isinstance(prompt, list) else prompt
        return [Completion(self.answer(text, json_schema))]
