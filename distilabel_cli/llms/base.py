"""The small async interface every LLM backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from distilabel_cli.errors import DistilError
from distilabel_cli.llms.limits import AdaptiveLimiter, RateLimits
from distilabel_cli.llms.options import option, output_option_names
from distilabel_cli.llms.retry import DEFAULT_MAX_RETRIES, call_with_retries
from distilabel_cli.prompt_types import FormattedPrompt, PromptFormat
from distilabel_cli.redact import redact

if TYPE_CHECKING:
    from distilabel_cli.tasks.base import Task

T = TypeVar("T")


@dataclass
class Completion:
    """One generated text, or None with the reason it failed."""

    text: str | None
    error: str | None = None
    #: Who wrote it, when not the LLM's own `model_name` (pool members).
    model: str | None = None
    #: This answer's share of its request's tokens (0: not known), for the cache's savings.
    input_tokens: int = 0
    output_tokens: int = 0
    #: Read from the request cache: nothing was sent or paid for it in this run.
    cached: bool = False
    #: Why the model stopped (`stop`, `length`: cut at max_new_tokens, ...; None: not told).
    finish_reason: str | None = None


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
    #: Answers read from the request cache instead of asked, and their tokens (not paid).
    cache_hits: int = 0
    cached_input_tokens: int = 0
    cached_output_tokens: int = 0
    #: Answers cut short at `max_new_tokens` (finish_reason `length`).
    truncated: int = 0

    def record_cache_hit(self, completion: Completion) -> None:
        self.cache_hits += 1
        self.cached_input_tokens += completion.input_tokens
        self.cached_output_tokens += completion.output_tokens

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


class Pricing(BaseModel):
    """What this LLM's tokens cost, for the run report (any currency)."""

    model_config = ConfigDict(extra="forbid")

    input_per_million: float = Field(0.0, ge=0, description="Price of 1M input tokens.")
    output_per_million: float = Field(0.0, ge=0, description="Price of 1M output tokens.")

    def cost(self, usage: Usage) -> float:
        return self.price(usage.input_tokens, usage.output_tokens)

    def price(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_per_million + output_tokens * self.output_per_million
        ) / 1_000_000


@dataclass(kw_only=True)
class LLM(ABC):
    """A model behind one small async interface, with its own bounded concurrency.

    `agenerate` is the only call the engine makes; it never raises for a failed request
    (the Completion carries the error) except `FatalLLMError` and
    `StructuredOutputUnsupported`. Backends send each request through `call_with_retries`,
    which applies the adaptive `slots`, the rate limits and the retries. The `option()`
    fields below are the YAML keys every backend has (see `llms/options.py`); an LLM knows
    nothing of tasks: a stage (`pipeline/stage.py`) pairs it with one.
    """

    #: distilabel 0.6's `LLM(task=...)`: `Pipeline(generator=llm)` makes the stage from it.
    task: Task | None = None
    max_new_tokens: int = option(256, gt=0, decides_output=True)
    temperature: float = option(0.7, ge=0, decides_output=True)
    top_p: float = option(1.0, gt=0, le=1, decides_output=True)
    seed: int | None = option(None, decides_output=True)
    concurrency: int = option(
        1, gt=0, description="Requests in flight for this LLM (less for a while after a 429)."
    )
    timeout: float = option(120.0, gt=0, description="Seconds per request attempt.")
    max_retries: int = option(
        DEFAULT_MAX_RETRIES,
        ge=0,
        description="Retries of a 429, 5xx, timeout or lost connection (backoff).",
    )
    requests_per_minute: float | None = option(None, gt=0, description="Request rate limit.")
    tokens_per_minute: float | None = option(
        None, gt=0, description="Token rate limit (prompt + max_new_tokens, then actual usage)."
    )
    pricing: Pricing | None = option(None, description="Token prices, for the run's cost.")
    #: The format prompts are sent in; None: the task's.
    prompt_format: PromptFormat | None = None
    usage: Usage = field(default_factory=Usage, init=False, repr=False)
    _semaphore: AdaptiveLimiter | None = field(default=None, init=False, repr=False)
    _limits: RateLimits | None = field(default=None, init=False, repr=False)

    @classmethod  # noqa: B027 - an optional hook
    def check_options(cls, options: Mapping[str, Any]) -> None:
        """Raise ValueError for options that cannot work together. The spec's validation
        and the constructor (`_check_options`) both call it: each rule is written once."""

    def _check_options(self) -> None:
        try:
            type(self).check_options(vars(self))
        except ValueError as exc:
            raise DistilError(f"{type(self).__name__}: {exc}") from None

    @property
    @abstractmethod
    def model_name(self) -> str:
        """Name written to `generation_model` / `labelling_model`."""

    @property
    def supports_structured_output(self) -> bool:
        """Whether `json_schema` is enforced by the backend right now."""
        return False

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        """Whether `json_schema` is enforced for prompts in `prompt_format`."""
        return self.supports_structured_output

    def format_for(self, task_format: PromptFormat) -> PromptFormat:
        """The format this LLM sends a task's prompts in: its own, else the task's."""
        return self.prompt_format or task_format

    @property
    def effective_prompt_format(self) -> PromptFormat:
        """distilabel 0.6 facade: the format of `self.task`'s prompts."""
        if self.task is None:
            raise DistilError(f"{type(self).__name__} has no task: pass LLM(task=...)")
        return self.format_for(self.task.prompt_format)

    def output_settings(self) -> dict[str, Any]:
        """The options that decide what this LLM writes (for the resume fingerprint)."""
        return {name: getattr(self, name) for name in output_option_names(type(self))}

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
