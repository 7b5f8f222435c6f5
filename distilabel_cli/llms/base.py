"""The small async interface every LLM backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from distilabel_cli.llms.limits import AdaptiveLimiter, RateLimits
from distilabel_cli.llms.retry import DEFAULT_MAX_RETRIES, call_with_retries
from distilabel_cli.redact import redact
from distilabel_cli.tasks.base import Task
from distilabel_cli.tasks.prompt import FormattedPrompt, PromptFormat

T = TypeVar("T")


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
    last_error: str | None = None
    #: Attempts made again after a 429, 5xx, timeout or lost connection.
    retries: int = 0
    #: 429 answers among all attempts.
    rate_limited: int = 0
    #: The lowest in-flight limit the adaptive concurrency went down to (None: never).
    lowest_concurrency: int | None = None
    #: Failed requests since the last success (the circuit breaker reads it).
    consecutive_failures: int = 0

    def record_success(self, input_tokens: int = 0, output_tokens: int = 0) -> None:
        self.ok_requests += 1
        self.consecutive_failures = 0
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens

    def record_failure(self, error: str) -> None:
        error = redact(error)
        self.failed_requests += 1
        self.consecutive_failures += 1
        self.last_error = error
        if self.first_error is None:
            self.first_error = error


@dataclass
class Pricing:
    """Price per million input / output tokens, in any currency."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0

    def cost(self, usage: Usage) -> float:
        return (
            usage.input_tokens * self.input_per_million
            + usage.output_tokens * self.output_per_million
        ) / 1_000_000


class FatalLLMError(Exception):
    """An error no retry can fix (bad API key, unknown model): the run stops."""


class StructuredOutputUnsupported(Exception):
    """The backend refused the JSON-schema request; ask again in plain text."""


@dataclass(kw_only=True)
class LLM(ABC):
    """An LLM bound to a task, with its own bounded concurrency.

    `agenerate` is the only call the engine makes; it never raises for a failed request
    (the Completion carries the error) except `FatalLLMError` and
    `StructuredOutputUnsupported`. Backends send each request through `call_with_retries`,
    which applies the adaptive `slots`, the rate limits and the retries.
    """

    task: Task
    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 1.0
    seed: int | None = None
    concurrency: int = 1
    prompt_format: PromptFormat | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    timeout: float = 120.0
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    pricing: Pricing | None = None
    usage: Usage = field(default_factory=Usage, init=False, repr=False)
    _semaphore: AdaptiveLimiter | None = field(default=None, init=False, repr=False)
    _limits: RateLimits | None = field(default=None, init=False, repr=False)

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
    def slots(self) -> AdaptiveLimiter:
        """Limits requests in flight to `concurrency`, less after 429s (made in the loop)."""
        if self._semaphore is None:
            self._semaphore = AdaptiveLimiter(self.concurrency)
        return self._semaphore

    @property
    def limits(self) -> RateLimits:
        """`requests_per_minute` / `tokens_per_minute` budgets (made in the running loop)."""
        if self._limits is None:
            self._limits = RateLimits(self.requests_per_minute, self.tokens_per_minute)
        return self._limits

    async def call_with_retries(self, attempt: Callable[[], Awaitable[T]], tokens: int) -> T:
        """Run `attempt` in a slot within the rate limits; retry its `TransientError`s."""
        return await call_with_retries(self, attempt, tokens)

    def reset_loop_state(self) -> None:
        """Forget loop-bound objects so the LLM can be used in a new event loop."""
        self._semaphore = None
        self._limits = None

    @abstractmethod
    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        """Generate `num_generations` completions of one prompt."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release what is bound to the running event loop (connection pools)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients, threads or models."""

    def generate(
        self, inputs: list[dict[str, Any]], num_generations: int = 1
    ) -> list[list[dict[str, Any]]]:
        """distilabel 0.6's synchronous call: per input (a dict of the task's inputs), a list
        of `num_generations` outputs `{"model_name", "prompt_used", "raw_output",
        "parsed_output", "error"}` (see docs/python.md)."""
        from distilabel_cli.llms.sync_generate import generate_outputs

        return generate_outputs(self, inputs, num_generations)
