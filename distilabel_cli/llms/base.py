"""The small async interface every LLM backend implements."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.prompt import FormattedPrompt, PromptFormat


@dataclass
class Completion:
    """One generated text, or None with the reason it failed."""

    text: str | None
    error: str | None = None
    #: Who wrote it, when not the LLM's own `model_name` (pool members).
    model: str | None = None


@dataclass
class Usage:
    """Counters one LLM keeps over a run."""

    requests: int = 0
    ok_requests: int = 0
    failed_requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    first_error: str | None = None

    def record_success(self, input_tokens: int = 0, output_tokens: int = 0) -> None:
        self.ok_requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens

    def record_failure(self, error: str) -> None:
        self.failed_requests += 1
        if self.first_error is None:
            self.first_error = error


class FatalLLMError(Exception):
    """An error no retry can fix (bad API key, unknown model): the run stops."""


class StructuredOutputUnsupported(Exception):
    """The backend refused the JSON-schema request; ask again in plain text."""


@dataclass(kw_only=True)
class LLM(ABC):
    """An LLM bound to a task, with its own bounded concurrency.

    `agenerate` is the only call the engine makes; it never raises for a failed request
    (the Completion carries the error) except `FatalLLMError` and
    `StructuredOutputUnsupported`.
    """

    task: Task
    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 1.0
    seed: int | None = None
    concurrency: int = 1
    prompt_format: PromptFormat | None = None
    usage: Usage = field(default_factory=Usage, init=False, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    @property
    @abstractmethod
    def model_name(self) -> str:
        """Name written to `generation_model` / `labelling_model`."""

    @property
    def supports_structured_output(self) -> bool:
        """Whether `json_schema` is enforced by the backend right now."""
        return False

    @property
    def effective_prompt_format(self) -> PromptFormat:
        return self.prompt_format or self.task.prompt_format

    @property
    def slots(self) -> asyncio.Semaphore:
        """Limits requests in flight to `concurrency` (created in the running loop)."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        return self._semaphore

    def reset_loop_state(self) -> None:
        """Forget loop-bound objects so the LLM can be used in a new event loop."""
        self._semaphore = None

    @abstractmethod
    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        """Generate `num_generations` completions of one prompt."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients, threads or models."""
