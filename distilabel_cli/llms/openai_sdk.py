"""The official `openai` SDK, for what the lean client (`llms/http.py`) lacks: Azure OpenAI,
the Files and Batches endpoints.

`sdk_client(llm)` builds the `AsyncOpenAI` / `AsyncAzureOpenAI` client of an `openai` or
`azure-openai` LLM: `max_retries=0` (distil's retries, rate limits and adaptive concurrency
stay in charge), the SDK's aiohttp transport when installed (`openai[aiohttp]`), proxies from
the environment. `SDKTransport` puts it behind the lean client's `post` interface, so both
paths map errors and report rate-limit headers alike. The SDK is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from distilabel_cli.llms.http import APIConnectionError, APIStatusError
from distilabel_cli.redact import redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

#: Called with the headers of every successful answer (rate-limit pacing reads them).
HeadersHook = Callable[[Mapping[str, str]], None]


def http_client(timeout: float) -> Any:
    """The SDK's aiohttp transport when installed, else its httpx2 one; both read proxies
    from the environment (HTTPS_PROXY, NO_PROXY...)."""
    import openai

    try:
        return openai.DefaultAioHttpClient(timeout=timeout, trust_env=True)
    except RuntimeError:  # the `aiohttp` extra is missing
        return openai.DefaultAsyncHttpxClient(timeout=timeout, trust_env=True)


def sdk_client(llm: Any) -> AsyncOpenAI:
    """The configured SDK client of an `OpenAILLM` or `AzureOpenAILLM` (no network call).

    Azure: `endpoint`, `api_version`, `deployment` (else the model name routes the request)
    and `api_key` or `azure_ad_token`. OpenAI: `base_url`, `api_key`, `organization`,
    `project` (their env defaults are already applied by the LLM)."""
    import openai

    common: dict[str, Any] = {
        "max_retries": 0,
        "timeout": llm.timeout,
        "http_client": http_client(llm.timeout),
    }
    if getattr(llm, "endpoint", None):
        return openai.AsyncAzureOpenAI(
            azure_endpoint=llm.endpoint,
            azure_deployment=llm.deployment,
            api_version=llm.api_version,
            api_key=llm.api_key,
            azure_ad_token=llm.azure_ad_token,
            **common,
        )
    return openai.AsyncOpenAI(
        api_key=llm.api_key,
        base_url=llm.base_url,
        organization=llm.organization,
        project=llm.project,
        **common,
    )


class SDKTransport:
    """`post(path, payload) -> dict` through an SDK client, with the lean client's errors."""

    def __init__(self, client: AsyncOpenAI, on_headers: HeadersHook | None = None) -> None:
        self.sdk = client
        self.on_headers = on_headers

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The decoded JSON answer, or `APIStatusError` / `APIConnectionError`."""
        import httpx2
        import openai

        try:
            response = await self.sdk.post(path, cast_to=httpx2.Response, body=payload)
        except openai.APIStatusError as exc:
            headers = exc.response.headers
            code = exc.code or (exc.body.get("type") if isinstance(exc.body, dict) else None)
            raise APIStatusError(exc.status_code, _message(exc), headers, code) from exc
        except openai.APIConnectionError as exc:  # APITimeoutError included
            kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "connection error"
            cause = exc.__cause__ or exc
            raise APIConnectionError(redact(f"{kind}: {cause or type(cause).__name__}")) from exc
        if self.on_headers is not None:
            self.on_headers(response.headers)
        try:
            return response.json()
        except ValueError as exc:
            raise APIStatusError(
                response.status_code,
                f"invalid JSON answer: {response.content[:200]!r}",
                response.headers,
                None,
            ) from exc

    async def aclose(self) -> None:
        await self.sdk.close()


def _message(exc: Any) -> str:
    """The server's error message (the SDK's `message` repeats the status and body)."""
    body = exc.body
    if isinstance(body, dict):
        return str(body.get("message") or body)[:500]
    return str(body or exc.message)[:500]
