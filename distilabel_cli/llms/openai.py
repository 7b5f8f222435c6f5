"""openai backend: any OpenAI-compatible server (OpenAI, vLLM, TGI, llama.cpp, Ollama).

`OpenAICompatibleLLM` holds the protocol (chat or text completions, `n`, the structured-output
ladder, `max_completion_tokens`, `finish_reason`, rate-limit headers); `OpenAILLM` adds the
OpenAI connection options, `AzureOpenAILLM` (`llms/openai_azure.py`) Azure's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from distilabel_cli.errors import DistilError, FatalLLMError, TransientError
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.http import APIConnectionError, APIStatusError, OpenAICompatibleClient
from distilabel_cli.llms.limits import estimate_tokens
from distilabel_cli.llms.options import option
from distilabel_cli.llms.rate_limit_headers import QuotaExhausted
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
#: Models that take `max_completion_tokens` and refuse `max_tokens` (o-series, gpt-5 family).
COMPLETION_TOKENS_MODELS = re.compile(r"(^|/)(o\d|gpt-5)", re.IGNORECASE)
#: `texts, finish_reasons, usage` of one answer.
Answer = tuple[list[str | None], list[str | None], dict[str, Any] | None]


log = logging.getLogger("distilabel_cli.llms")

#: Sampling options a model may refuse: reasoning models (o-series, gpt-5) take only their
#: defaults. Refused once, they are no longer sent by that LLM (a warning says so).
DROPPABLE = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
#: How OpenAI names the option it refuses: "Unsupported value: 'temperature' does not support
#: 0.7 with this model. Only the default (1) value is supported." / "Unsupported parameter:
#: 'top_p' is not supported with this model."
_REFUSED_OPTION = re.compile(r"Unsupported (?:value|parameter): '(\w+)'")


class ParamRefused(Exception):
    """The server refused `max_tokens`, `strict` or a sampling option (`DROPPABLE`): switch
    once, remember, ask again."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def strict_ready(schema: dict[str, Any] | None) -> bool:
    """Whether every object of `schema` is closed with all its properties required (what
    OpenAI's `strict: true` demands)."""
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "object":
        properties = schema.get("properties") or {}
        closed = schema.get("additionalProperties") is False
        if not closed or set(schema.get("required") or ()) != set(properties):
            return False
        return all(strict_ready(p) for p in properties.values())
    items = schema.get("items")
    return strict_ready(items) if isinstance(items, dict) else True


@dataclass(kw_only=True)
class OpenAICompatibleLLM(LLM):
    """Chat or text completions over the OpenAI protocol.

    Requests go through the lean aiohttp client (`llms/http.py`) or, where `_use_sdk` says so,
    the `openai` SDK (`llms/openai_sdk.py`); constructing the LLM makes no network call. `n`
    is sent for several generations; when the server returns fewer choices than asked, the
    rest (and later calls) use separate requests. Each attempt is retried by distil through
    the LLM's slots and rate limits (`call_with_retries`), which sees every 429 to adapt its
    concurrency, and paces by the server's `x-ratelimit-*` headers.
    """

    model: str = option()
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
    #: `max_tokens`, or `max_completion_tokens` for models that refuse it (learnt on a 400).
    _token_param: str = field(default="max_tokens", init=False, repr=False)
    #: Send `strict: true` with closed JSON schemas until the server refuses it.
    _strict: bool = field(default=True, init=False, repr=False)
    #: Sampling options the server refused (not sent any more).
    _dropped: set[str] = field(default_factory=set, init=False, repr=False)
    #: Through the `openai` SDK rather than the lean client.
    _use_sdk: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.num_threads:  # distilabel 0.6 name for the same thing
            self.concurrency = self.num_threads
        if COMPLETION_TOKENS_MODELS.search(self.model):
            self._token_param = "max_completion_tokens"
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

    def client(self) -> Any:
        """The HTTP client of the running event loop (made on first use, no network)."""
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        from distilabel_cli.llms.openai_sdk import SDKTransport, sdk_client

        return SDKTransport(sdk_client(self), self._observe_headers)

    def _observe_headers(self, headers: Mapping[str, str]) -> None:
        self.limits.observe(headers)

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
            self._token_param: self.max_new_tokens,
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
        for name in self._dropped:
            params.pop(name, None)
        return params

    async def _request(
        self, prompt: FormattedPrompt, n: int, json_schema: dict[str, Any] | None
    ) -> list[Completion]:
        self.usage.requests += 1
        tokens = estimate_tokens(prompt, self.max_new_tokens * n)

        async def attempt(mode: str | None) -> Answer:
            call = functools.partial(self._call, prompt, n, json_schema, mode)
            return await self.call_with_retries(call, tokens)

        while True:
            try:
                texts, reasons, usage = await self._ladder.run(attempt, json_schema is not None)
                break
            except ParamRefused as exc:
                self._switch(exc)
            except (TransientError, APIStatusError) as exc:
                return self._failed(n, exc)
        used_in = (usage.get("prompt_tokens") or 0) if usage else 0
        used_out = (usage.get("completion_tokens") or 0) if usage else 0
        self.limits.settle(tokens, used_in + used_out if usage else None)
        self.usage.record_success(used_in, used_out)
        self.usage.truncated += reasons[:n].count("length")
        count = max(1, len(texts[:n]))
        return [
            Completion(
                text=t or "",
                input_tokens=used_in // count,
                output_tokens=used_out // count,
                finish_reason=reason,
            )
            for t, reason in zip(texts[:n], reasons, strict=False)
        ]

    def _switch(self, refused: ParamRefused) -> None:
        """Stop sending what the server refused (once; a repeat fails as the error it is)."""
        if refused.param == "max_tokens":
            self._token_param = "max_completion_tokens"
        elif refused.param == "strict":
            self._strict = False
        elif refused.param not in self._dropped:
            self._dropped.add(refused.param)
            log.warning(
                "%s refuses %s=%s (%s); sending none from now on: the model uses its default",
                self.model,
                refused.param,
                getattr(self, refused.param, None),
                refused,
            )

    def _body(
        self, prompt: FormattedPrompt, n: int, schema: dict[str, Any] | None, mode: str | None
    ) -> dict[str, Any]:
        body = self._params(n)
        if not isinstance(prompt, list):
            return {**body, "prompt": prompt}
        if mode is not None:
            fmt = response_format(mode, schema)
            if mode == "json_schema" and self._strict and strict_ready(schema):
                fmt["json_schema"]["strict"] = True
            body["response_format"] = fmt
        return {**body, "messages": prompt}

    async def _call(
        self, prompt: FormattedPrompt, n: int, schema: dict[str, Any] | None, mode: str | None
    ) -> Answer:
        """One attempt (its body built now, with what earlier answers taught). Fatal errors
        (bad key, unknown model, no quota) become FatalLLMError; 429, 408/409, 5xx,
        timeouts and lost connections TransientError."""
        body = self._body(prompt, n, schema, mode)
        try:
            if isinstance(prompt, list):
                data = await self.client().post("/chat/completions", body)
                choices = data["choices"]
                texts = [(c.get("message") or {}).get("content") for c in choices]
            else:
                data = await self.client().post("/completions", body)
                choices = data["choices"]
                texts = [c.get("text") for c in choices]
            return texts, [c.get("finish_reason") for c in choices], data.get("usage")
        except APIStatusError as exc:
            raise self._classify(exc, body) from exc
        except APIConnectionError as exc:  # also timeouts
            raise TransientError(_describe(exc)) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise APIStatusError(200, f"unexpected answer shape: {exc!r}", {}, None) from exc

    def _classify(self, exc: APIStatusError, body: dict[str, Any]) -> Exception:
        """What an error answer means for this request."""
        if exc.status in (401, 403):
            return FatalLLMError(f"{self.model}: {_describe(exc)}")
        if exc.status == 404:
            where = getattr(self, "base_url", None) or getattr(self, "endpoint", None)
            return FatalLLMError(
                redact(f"{self.model}: not found at {where or 'api.openai.com'} ({_describe(exc)})")
            )
        refused = _refused_param(exc, body)
        if refused is not None:
            return ParamRefused(refused, redact(str(exc)))
        if "response_format" in body and refuses_format(exc):
            return FormatRefused(redact(str(exc)))
        if exc.code == "insufficient_quota":
            return FatalLLMError(f"{self.model}: no quota left (insufficient_quota)")
        if not is_retryable_status(exc.status):
            return exc
        retry_after = parse_retry_after(exc.headers)
        if exc.status == 429 and self.limits.observe(exc.headers, rate_limited=True):
            return QuotaExhausted(_describe(exc), retry_after=retry_after or 0.0, rate_limited=True)
        return TransientError(
            _describe(exc), retry_after=retry_after, rate_limited=exc.status == 429
        )

    def _failed(self, n: int, exc: Exception) -> list[Completion]:
        error = redact(str(exc)) if isinstance(exc, TransientError) else _describe(exc)
        self.usage.record_failure(error)
        return [Completion(text=None, error=error) for _ in range(n)]


def _refused_param(exc: APIStatusError, body: dict[str, Any]) -> str | None:
    """`max_tokens`, `strict` or a `DROPPABLE` option when a 400 refuses that parameter of
    `body` (else None)."""
    if exc.status != 400:
        return None
    message = exc.message
    says_use_other = "max_completion_tokens" in message or exc.code == "unsupported_parameter"
    if "max_tokens" in body and "max_tokens" in message and says_use_other:
        return "max_tokens"
    strict = (body.get("response_format") or {}).get("json_schema", {}).get("strict")
    if strict and ("strict" in message or refuses_format(exc)):
        return "strict"
    named = _REFUSED_OPTION.search(message)
    if named and named.group(1) in DROPPABLE and named.group(1) in body:
        return named.group(1)
    return None


def _describe(exc: Exception) -> str:
    """`Kind: message` of an error, the run's secrets masked."""
    name = exc.kind if isinstance(exc, APIStatusError) else type(exc).__name__
    return redact(f"{name}: {exc}")


@dataclass(kw_only=True)
class OpenAILLM(OpenAICompatibleLLM):
    """OpenAI or any OpenAI-compatible server (vLLM, TGI, llama.cpp, Ollama).

    Plain chat and text completions go through the lean aiohttp client, which the bench
    shows several times cheaper per request than the SDK (docs/benchmarks.md)."""

    base_url: str | None = option(None, description="Default: env OPENAI_BASE_URL.")
    api_key: str | None = option(
        None, yaml=SecretStr | None, description="Default: env OPENAI_API_KEY."
    )
    organization: str | None = option(None, description="Default: env OPENAI_ORG_ID.")
    project: str | None = option(None, description="Default: env OPENAI_PROJECT_ID.")

    def __post_init__(self) -> None:
        self.base_url = self.base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.organization = self.organization or os.environ.get("OPENAI_ORG_ID") or None
        self.project = self.project or os.environ.get("OPENAI_PROJECT_ID") or None
        self.api_key = self.api_key or os.environ.get("OPENAI_API_KEY")
        if not self.api_key:
            if self.base_url is None:
                raise DistilError(
                    f"openai model {self.model!r}: no API key; set OPENAI_API_KEY or llm.api_key "
                    "(or llm.base_url for a local server that needs none)"
                )
            self.api_key = NO_KEY_NEEDED
        super().__post_init__()

    def _make_client(self) -> Any:
        if self._use_sdk:
            return super()._make_client()
        extra = {"OpenAI-Organization": self.organization, "OpenAI-Project": self.project}
        return OpenAICompatibleClient(
            self.base_url,
            self.api_key or "",
            self.timeout,
            extra_headers={k: v for k, v in extra.items() if v},
            on_headers=self._observe_headers,
        )
