"""inference-endpoints backend: Hugging Face Inference Endpoints, serverless models and TGI.

Requests go through `huggingface_hub.AsyncInferenceClient`: chat prompts to
`chat_completion` (`/v1/chat/completions` under a URL), string prompts to `text_generation`
(TGI's own route at the URL root). OpenAI-compatible servers that are not TGI (llama.cpp,
vLLM, Ollama) serve the chat route only: use a chat prompt format with them.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from pydantic import SecretStr

from distilabel_cli.errors import DistilError, FatalLLMError, TransientError
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.limits import estimate_tokens
from distilabel_cli.llms.options import option
from distilabel_cli.llms.retry import is_retryable_status, parse_retry_after
from distilabel_cli.llms.structured import (
    FormatRefused,
    SchemaLadder,
    StructuredOutput,
    refuses_format,
    response_format,
)
from distilabel_cli.prompt_types import CHAT_FORMATS, FormattedPrompt, PromptFormat

TOKEN_VARIABLES = ("HF_TOKEN", "HF_API_TOKEN")
TARGETS = ("model", "endpoint_name", "base_url")


@dataclass(kw_only=True)
class InferenceEndpointsLLM(LLM):
    """Hugging Face Inference Endpoints, serverless models or a TGI server (exactly one).

    Exactly one of `model` (a serverless Hub id, routed by `provider`), `endpoint_name`
    (+ `endpoint_namespace`, a dedicated Inference Endpoint whose URL is looked up at the
    first request) or `base_url` (a TGI or other server).

    distilabel 0.6's arguments work too: `endpoint_name_or_model_id` becomes `base_url` for
    a URL, `endpoint_name` with `endpoint_namespace` or for a name without "/", else
    `model` (a Hub id such as "org/model"); `do_sample=False` means greedy
    (`temperature=0`), `do_sample=True` samples at `temperature`. Nothing is looked up on
    the network to decide.

    Token: `token`, else env HF_TOKEN / HF_API_TOKEN, else huggingface_hub's saved login.
    Each generation is its own request (seed + k when a seed is set). Judges ask for JSON
    with `response_format` (`json_schema`; huggingface_hub turns it into TGI's grammar for
    URLs), stepping down to `json_object` + schema (llama.cpp style) and then plain text
    when refused; string prompts use TGI's `grammar`. Input tokens of string prompts are
    not reported by `text_generation` (counted as 0).
    """

    model: str | None = option(None, description="Serverless model id on the Hub.")
    endpoint_name: str | None = option(None, description="A dedicated Inference Endpoint.")
    endpoint_namespace: str | None = option(None, description="Its user or organisation.")
    base_url: str | None = option(None, description="URL of a TGI (or chat-compatible) server.")
    provider: str | None = option(None, description="Inference provider for a serverless model.")
    token: str | None = option(
        None, yaml=SecretStr | None, description="Default: env HF_TOKEN / HF_API_TOKEN."
    )
    stop: list[str] | None = option(None)
    structured_output: StructuredOutput = option("auto")
    #: distilabel 0.6's single target argument (see the class docstring).
    endpoint_name_or_model_id: InitVar[str | None] = None
    #: distilabel 0.6's sampling switch: False is greedy decoding.
    do_sample: InitVar[bool | None] = None
    _url: str | None = field(default=None, init=False, repr=False)
    _client: Any = field(default=None, init=False, repr=False)
    _resolving: asyncio.Lock | None = field(default=None, init=False, repr=False)
    #: Chat prompts: json_schema -> json_object -> text; string prompts: TGI grammar -> text.
    _ladder: SchemaLadder = field(init=False, repr=False)
    _grammar: SchemaLadder = field(init=False, repr=False)

    def __post_init__(self, endpoint_name_or_model_id: str | None, do_sample: bool | None) -> None:
        if endpoint_name_or_model_id:
            self._take_06_target(endpoint_name_or_model_id)
        if do_sample is False:
            self.temperature = 0.0
        self._check_options()
        self.token = self.token or next(
            (os.environ[v] for v in TOKEN_VARIABLES if os.environ.get(v)), None
        )
        self._ladder = SchemaLadder(self.structured_output)
        grammar = "none" if self.structured_output == "none" else "auto"
        self._grammar = SchemaLadder(grammar, modes=("grammar",))
        self._url = self.base_url

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        given = [k for k in TARGETS if options.get(k)]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of model, endpoint_name, base_url (got {got})")
        if options.get("endpoint_namespace") and not options.get("endpoint_name"):
            raise ValueError("endpoint_namespace needs endpoint_name")

    def _take_06_target(self, value: str) -> None:
        """Map 0.6's `endpoint_name_or_model_id` onto `base_url`, `endpoint_name` or `model`."""
        given = [k for k in TARGETS if getattr(self, k)]
        if given:
            raise DistilError(
                f"inference-endpoints: give endpoint_name_or_model_id or {given[0]}, not both"
            )
        if value.startswith(("http://", "https://")):
            self.base_url = value
        elif self.endpoint_namespace or "/" not in value:
            self.endpoint_name = value
        else:
            self.model = value

    @property
    def model_name(self) -> str:
        return self.model or self.endpoint_name or self.base_url or "inference-endpoints"

    @property
    def supports_structured_output(self) -> bool:
        return self._ladder.mode is not None

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        ladder = self._ladder if prompt_format in CHAT_FORMATS else self._grammar
        return ladder.mode is not None

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        self._client, self._resolving = None, None  # the resolved endpoint URL is kept

    async def client(self) -> Any:
        """The async client of the running loop; a dedicated endpoint is resolved first."""
        if self._client is None:
            if self.endpoint_name and self._url is None:
                if self._resolving is None:
                    self._resolving = asyncio.Lock()
                async with self._resolving:
                    if self._url is None:
                        self._url = await asyncio.to_thread(self._resolve_endpoint)
            from huggingface_hub import AsyncInferenceClient

            target = {"model": self._url} if self._url else {"model": self.model}
            if self.provider and not self._url:
                target["provider"] = self.provider
            self._client = AsyncInferenceClient(**target, token=self.token, timeout=self.timeout)
        return self._client

    def _resolve_endpoint(self) -> str:
        """The URL of the dedicated endpoint (one Hub API call, in a worker thread)."""
        from huggingface_hub import get_inference_endpoint

        where = f"{self.endpoint_namespace or '(your namespace)'}/{self.endpoint_name}"
        try:
            endpoint = get_inference_endpoint(
                self.endpoint_name, namespace=self.endpoint_namespace, token=self.token
            )
        except Exception as exc:  # noqa: BLE001 - without its URL no request can be made
            raise FatalLLMError(f"inference endpoint {where}: {_describe(exc)}") from exc
        if not endpoint.url:
            raise FatalLLMError(
                f"inference endpoint {where} is {endpoint.status}, not running: "
                "start it (or wait until it is running) and run again"
            )
        return endpoint.url

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        seeds = [None if self.seed is None else self.seed + k for k in range(num_generations)]
        return list(await asyncio.gather(*(self._request(prompt, json_schema, s) for s in seeds)))

    async def _request(
        self, prompt: FormattedPrompt, json_schema: dict[str, Any] | None, seed: int | None
    ) -> Completion:
        self.usage.requests += 1
        tokens = estimate_tokens(prompt, self.max_new_tokens)
        ladder = self._ladder if isinstance(prompt, list) else self._grammar

        async def attempt(mode: str | None) -> tuple[str, int, int]:
            call = functools.partial(self._call, prompt, json_schema, mode, seed)
            return await self.call_with_retries(call, tokens)

        try:
            text, used_in, used_out = await ladder.run(attempt, json_schema is not None)
        except (TransientError, _http_error()) as exc:
            error = str(exc) if isinstance(exc, TransientError) else _describe(exc)
            self.usage.record_failure(error)
            return Completion(text=None, error=error)
        self.limits.settle(tokens, used_in + used_out)
        self.usage.record_success(used_in, used_out)
        return Completion(text=text, input_tokens=used_in, output_tokens=used_out)

    async def _call(
        self,
        prompt: FormattedPrompt,
        json_schema: dict[str, Any] | None,
        mode: str | None,
        seed: int | None,
    ) -> tuple[str, int, int]:
        """One attempt: (text, input tokens, output tokens). Bad token, unknown model or
        route: FatalLLMError; 429, 5xx, overload, timeout, lost connection: TransientError."""
        from huggingface_hub.errors import InferenceTimeoutError, OfflineModeIsEnabled

        client = await self.client()
        try:
            if isinstance(prompt, list):
                return await self._chat(client, prompt, json_schema, mode, seed)
            return await self._text(client, prompt, json_schema, mode, seed)
        except OfflineModeIsEnabled as exc:
            raise FatalLLMError(f"{self.model_name}: HF_HUB_OFFLINE is set ({exc})") from exc
        except InferenceTimeoutError as exc:
            raise TransientError(_describe(exc)) from exc
        except _http_error() as exc:
            raise self._classify(exc, prompt, mode is not None) from exc

    async def _chat(
        self,
        client: Any,
        messages: list[dict[str, str]],
        json_schema: dict[str, Any] | None,
        mode: str | None,
        seed: int | None,
    ) -> tuple[str, int, int]:
        params = self._sampling(seed)
        if mode is not None:
            # TGI reads the json_object schema under `value`, llama-cpp-python's server `schema`
            params["response_format"] = response_format(mode, json_schema, ("value", "schema"))
        output = await client.chat_completion(messages, max_tokens=self.max_new_tokens, **params)
        usage = output.usage
        used_in = (usage.prompt_tokens or 0) if usage else 0
        used_out = (usage.completion_tokens or 0) if usage else 0
        return output.choices[0].message.content or "", used_in, used_out

    async def _text(
        self,
        client: Any,
        prompt: str,
        json_schema: dict[str, Any] | None,
        mode: str | None,
        seed: int | None,
    ) -> tuple[str, int, int]:
        params = self._sampling(seed)
        params.pop("temperature", None)
        if self.temperature > 0:
            params.update(do_sample=True, temperature=self.temperature)
        if mode is not None:
            params["grammar"] = {"type": "json", "value": json_schema}
        output = await client.text_generation(
            prompt,
            max_new_tokens=self.max_new_tokens,
            details=True,
            return_full_text=False,
            **params,
        )
        details = output.details
        return output.generated_text, 0, details.generated_tokens if details else 0

    def _sampling(self, seed: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.temperature}
        if self.top_p < 1.0:  # TGI rejects top_p = 1.0
            params["top_p"] = self.top_p
        if seed is not None:
            params["seed"] = seed
        if self.stop:
            params["stop"] = self.stop
        return params

    def _classify(self, exc: Exception, prompt: FormattedPrompt, structured: bool) -> Exception:
        """The error an HTTP failure becomes: refused format, fatal or transient."""
        from huggingface_hub.errors import OverloadedError, TextGenerationError

        response = getattr(exc, "response", None) or getattr(exc.__cause__, "response", None)
        status = getattr(response, "status_code", None)
        message = _describe(exc)
        if structured and refuses_format(exc):
            return FormatRefused(message)
        if isinstance(exc, OverloadedError):
            return TransientError(message, rate_limited=True)
        if status in (401, 403):
            return FatalLLMError(f"{self.model_name}: {message}")
        if status in (404, 405):
            hint = (
                " (string prompt formats need TGI's text-generation route; "
                "use prompt_format chat with other servers)"
                if isinstance(prompt, str)
                else ""
            )
            return FatalLLMError(f"{self.model_name}: not found{hint}: {message}")
        if status is None:  # no answer: a connection or transport error
            return exc if isinstance(exc, TextGenerationError) else TransientError(message)
        if is_retryable_status(status):
            headers = getattr(response, "headers", None)
            return TransientError(
                message, retry_after=parse_retry_after(headers), rate_limited=status == 429
            )
        return exc


@functools.cache
def _http_error() -> type[Exception]:
    """Base class of huggingface_hub's HTTP and transport errors (its httpx flavour)."""
    from huggingface_hub import errors

    return getattr(errors, "HTTPError", OSError)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
