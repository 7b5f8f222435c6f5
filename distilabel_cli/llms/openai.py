"""openai backend: any OpenAI-compatible server (OpenAI, vLLM, TGI, llama.cpp, Ollama)."""

from __future__ import annotations

import asyncio
import functools
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from distilabel_cli.errors import DistilError, FatalLLMError, TransientError
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.http import APIConnectionError, APIStatusError, OpenAICompatibleClient
from distilabel_cli.llms.limits import estimate_tokens
from distilabel_cli.llms.options import option
from distilabel_cli.llms.retry import is_retryable_status, parse_retry_after
from distilabel_cli.llms.structured import (
    FormatRefused,
    SchemaLadder,
    refuses_format,
    response_format,
)
from distilabel_cli.prompt_types import CHAT_FORMATS, FormattedPrompt, PromptFormat
from distilabel_cli.redact import redact, register_llm_secrets

NO_KEY_NEEDED = "not-needed"


@dataclass(kw_only=True)
class OpenAILLM(LLM):
    """Any OpenAI-compatible server (OpenAI, vLLM, TGI, llama.cpp, Ollama).

    Chat or text completions. Requests go through a lean aiohttp client (`llms/http.py`);
    constructing it makes no network call. `n` is sent for several generations; when the
    server returns fewer choices than asked, the rest (and later calls) use separate
    requests. Each attempt is retried by distil through the LLM's slots and rate limits
    (`call_with_retries`), which sees every 429 to adapt its concurrency.
    """

    model: str = option()
    base_url: str | None = option(None)
    api_key: str | None = option(
        None, yaml=SecretStr | None, description="Default: env OPENAI_API_KEY."
    )
    frequency_penalty: float = option(0.0)
    presence_penalty: float = option(0.0)
    stop: list[str] | None = option(None)
    structured_output: Literal["auto", "json_schema", "none"] = option(
        "auto",
        description="Ask judges for JSON via response_format (auto: fall back to "
        "text when the server refuses it).",
    )
    #: distilabel 0.6's name for `concurrency`.
    num_threads: int | None = None
    _client: Any = field(default=None, init=False, repr=False)
    _n_supported: bool | None = field(default=None, init=False, repr=False)
    _ladder: SchemaLadder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.num_threads:  # distilabel 0.6 name for the same thing
            self.concurrency = self.num_threads
        self.api_key = self.api_key or os.environ.get("OPENAI_API_KEY")
        if not self.api_key:
            if self.base_url is None:
                raise DistilError(
                    f"openai model {self.model!r}: no API key; set OPENAI_API_KEY or llm.api_key "
                    "(or llm.base_url for a local server that needs none)"
                )
            self.api_key = NO_KEY_NEEDED
        self._ladder = SchemaLadder(self.structured_output)
        register_llm_secrets(self)  # servers may echo the key in their error bodies

    @property
    def model_name(self) -> str:
        return self.model

    @property
    def supports_structured_output(self) -> bool:
        return self._ladder.mode is not None

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        # response_format exists for chat completions only
        return self.supports_structured_output and prompt_format in CHAT_FORMATS

    def client(self) -> OpenAICompatibleClient:
        """The HTTP client of the running event loop (made on first use, no network)."""
        if self._client is None:
            self._client = OpenAICompatibleClient(self.base_url, self.api_key or "", self.timeout)
        return self._client

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        self._client = None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        self._client = None

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        if num_generations == 1 or self._n_supported is False:
            return await self._separate(prompt, num_generations, json_schema)
        completions = await self._request(prompt, num_generations, json_schema)
        if len(completions) < num_generations:
            self._n_supported = False
            completions += await self._separate(
                prompt, num_generations - len(completions), json_schema
            )
        elif completions[0].error is None:
            self._n_supported = True
        return completions

    async def _separate(
        self, prompt: FormattedPrompt, count: int, json_schema: dict[str, Any] | None
    ) -> list[Completion]:
        batches = await asyncio.gather(
            *(self._request(prompt, 1, json_schema) for _ in range(count))
        )
        return [c for batch in batches for c in batch]

    def _params(self, n: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
        }
        optional = {
            "n": n if n > 1 else None,
            "seed": self.seed,
            "stop": self.stop,
            "frequency_penalty": self.frequency_penalty or None,
            "presence_penalty": self.presence_penalty or None,
        }
        params.update({k: v for k, v in optional.items() if v is not None})
        return params

    async def _request(
        self, prompt: FormattedPrompt, n: int, json_schema: dict[str, Any] | None
    ) -> list[Completion]:
        params = self._params(n)
        self.usage.requests += 1
        tokens = estimate_tokens(prompt, self.max_new_tokens * n)

        async def attempt(mode: str | None) -> tuple[list[str | None], dict[str, Any] | None]:
            call = functools.partial(self._call, prompt, params, json_schema, mode)
            return await self.call_with_retries(call, tokens)

        try:
            texts, usage = await self._ladder.run(attempt, json_schema is not None)
        except (TransientError, APIStatusError) as exc:
            return self._failed(n, exc)
        used_in = (usage.get("prompt_tokens") or 0) if usage else 0
        used_out = (usage.get("completion_tokens") or 0) if usage else 0
        self.limits.settle(tokens, used_in + used_out if usage else None)
        self.usage.record_success(used_in, used_out)
        count = max(1, len(texts[:n]))
        return [
            Completion(text=t or "", input_tokens=used_in // count, output_tokens=used_out // count)
            for t in texts[:n]
        ]

    async def _call(
        self,
        prompt: FormattedPrompt,
        params: dict[str, Any],
        json_schema: dict[str, Any] | None,
        mode: str | None,
    ) -> tuple[list[str | None], dict[str, Any] | None]:
        """One attempt. Fatal errors (bad key, unknown model, no quota) become
        FatalLLMError; 429, 408/409, 5xx, timeouts and lost connections TransientError."""
        try:
            if isinstance(prompt, list):
                if mode is not None:
                    params = {**params, "response_format": response_format(mode, json_schema)}
                data = await self.client().post("/chat/completions", {**params, "messages": prompt})
                texts = [(c.get("message") or {}).get("content") for c in data["choices"]]
            else:
                data = await self.client().post("/completions", {**params, "prompt": prompt})
                texts = [c.get("text") for c in data["choices"]]
            return texts, data.get("usage")
        except APIStatusError as exc:
            if exc.status in (401, 403):
                raise FatalLLMError(f"{self.model}: {_describe(exc)}") from exc
            if exc.status == 404:
                where = self.base_url or "api.openai.com"
                raise FatalLLMError(
                    redact(f"{self.model}: not found at {where} ({_describe(exc)})")
                ) from exc
            if mode is not None and refuses_format(exc):
                raise FormatRefused(redact(str(exc))) from exc
            if exc.code == "insufficient_quota":
                raise FatalLLMError(f"{self.model}: no quota left (insufficient_quota)") from exc
            if not is_retryable_status(exc.status):
                raise
            raise TransientError(
                _describe(exc),
                retry_after=parse_retry_after(exc.headers),
                rate_limited=exc.status == 429,
            ) from exc
        except APIConnectionError as exc:  # also timeouts
            raise TransientError(_describe(exc)) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise APIStatusError(200, f"unexpected answer shape: {exc!r}", {}, None) from exc

    def _failed(self, n: int, exc: Exception) -> list[Completion]:
        error = redact(str(exc)) if isinstance(exc, TransientError) else _describe(exc)
        self.usage.record_failure(error)
        return [Completion(text=None, error=error) for _ in range(n)]


def _describe(exc: Exception) -> str:
    """`Kind: message` of an error, the run's secrets masked."""
    name = exc.kind if isinstance(exc, APIStatusError) else type(exc).__name__
    return redact(f"{name}: {exc}")
