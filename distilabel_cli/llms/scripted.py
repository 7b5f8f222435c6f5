"""ScriptedLLM: an in-process LLM whose answers come from a script.

Like httpx's `MockTransport`, it replaces only the model: requests still go through the LLM's
concurrency slots, its usage counters and the engine, so tests and benches exercise the real
machinery. It is the one fake LLM of the project (use a real server where a user would meet
one: `tests/counting_server.py`, `tests/flaky_server.py`).

    llm = ScriptedLLM(answer=lambda request: f"echo {request.text}")
    llm = ScriptedLLM(answer=["first", "second"])        # cycles through the list
    llm = ScriptedLLM(answer=judge_json, structured=True)  # a judge with schema support
"""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.prompt_types import FormattedPrompt

#: What a script returns for one completion: its text, a Completion, or None (a failure).
Answer = str | Completion | None
Script = str | Sequence[str] | Callable[["Request"], Answer | Awaitable[Answer]]


@dataclass(frozen=True)
class Request:
    """One completion asked of a ScriptedLLM."""

    prompt: FormattedPrompt
    #: The last message's content (chat prompts) or the prompt string.
    text: str
    #: Which of the request's `num_generations` completions this is (0-based).
    index: int
    num_generations: int
    json_schema: dict[str, Any] | None
    #: How many requests this LLM had received before this one.
    seq: int


@dataclass(kw_only=True)
class ScriptedLLM(LLM):
    """Answers each completion with `answer`: a fixed text, a list cycled through in order of
    arrival, or a function of the `Request` (sync or async) returning a text, a `Completion`
    or None for a failed request. A function may raise `FatalLLMError` (the run stops) or
    `StructuredOutputUnsupported` (the engine asks again without a schema)."""

    answer: Script = "ok"
    name: str = "scripted"
    #: Whether JSON schemas are "enforced" (the engine then asks judges for JSON).
    structured: bool = False
    #: Every completion asked, in order of arrival.
    requests: list[Request] = field(default_factory=list, init=False, repr=False)
    #: Answered requests per prompt text (a request whose script raised is not counted;
    #: the completions of one request count once).
    counts: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    in_flight: int = field(default=0, init=False, repr=False)
    #: The most requests in flight at once.
    peak: int = field(default=0, init=False, repr=False)
    _answered: int = field(default=0, init=False, repr=False)
    _received: int = field(default=0, init=False, repr=False)

    @property
    def model_name(self) -> str:
        return self.name

    @property
    def supports_structured_output(self) -> bool:
        return self.structured

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        async with self.slots:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            seq, self._received = self._received, self._received + 1
            try:
                await asyncio.sleep(0)  # let other rows' requests arrive, as over a network
                text = prompt[-1]["content"] if isinstance(prompt, list) else prompt
                completions = []
                for k in range(num_generations):
                    request = Request(prompt, text, k, num_generations, json_schema, seq)
                    self.requests.append(request)
                    completions.append(await self._complete(request))
            finally:
                self.in_flight -= 1
        self.counts[text] += 1
        self.usage.requests += 1
        failed = [c for c in completions if c.text is None]
        if failed:
            self.usage.record_failure(failed[0].error or "scripted failure")
        else:
            output_tokens = sum(len(c.text or "") // 4 for c in completions)
            self.usage.record_success(len(text) // 4, output_tokens)
        return completions

    async def _complete(self, request: Request) -> Completion:
        script = self.answer
        if isinstance(script, str):
            result: Answer = script
        elif callable(script):
            result = script(request)
            if inspect.isawaitable(result):
                result = await result
        else:
            result = script[self._answered % len(script)]
        self._answered += 1
        if isinstance(result, Completion):
            return result
        if result is None:
            return Completion(text=None, error=f"{self.name}: scripted failure")
        return Completion(text=result)
