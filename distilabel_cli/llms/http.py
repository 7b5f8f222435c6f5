"""A lean async client for OpenAI-compatible HTTP APIs (aiohttp, plain JSON).

The `openai` SDK costs several milliseconds of CPU per request (request building, response
models, its HTTP pool), which caps a 2-core machine far below what a fast server can take;
this client costs a fraction of a millisecond. Errors map to `APIStatusError` (an HTTP
status) and `APIConnectionError` (timeouts, refused or lost connections); their messages
have the key and URL credentials masked (servers echo keys in error bodies).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from distilabel_cli.redact import redact, register_secret, register_url_credentials

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class APIConnectionError(Exception):
    """The request did not get an HTTP answer: timeout, refused or dropped connection."""


#: The names the `openai` SDK gives each status, which users know from its errors.
STATUS_NAMES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}


class APIStatusError(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str], code: str | None):
        message = redact(message)
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.headers = headers
        self.code = code

    @property
    def kind(self) -> str:
        """`RateLimitError`, `InternalServerError`, ... (as the openai SDK names them)."""
        if self.status >= 500:
            return "InternalServerError"
        return STATUS_NAMES.get(self.status, "APIStatusError")


class OpenAICompatibleClient:
    """POSTs JSON to `base_url` with a bearer key; one connection pool per event loop.

    Credentials in the URL (`https://user:password@host/v1`, e.g. a proxy with basic auth)
    are sent as Basic auth instead of the key, as the `openai` SDK (httpx) does. Proxies come
    from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; read when the pool is made).
    `extra_headers` go with every request (OpenAI-Organization, OpenAI-Project);
    `on_headers` sees every successful answer's headers (an error's are on its exception).
    """

    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        timeout: float,
        extra_headers: Mapping[str, str] | None = None,
        on_headers: Callable[[Mapping[str, str]], None] | None = None,
    ) -> None:
        register_secret(api_key)
        register_url_credentials(base_url)
        self.base_url, basic = _split_credentials((base_url or DEFAULT_BASE_URL).rstrip("/"))
        self.headers = {
            "Authorization": basic or f"Bearer {api_key}",
            "Content-Type": "application/json",
            **(extra_headers or {}),
        }
        self.timeout = timeout
        self.on_headers = on_headers
        self._session: Any = None

    def _open(self) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            proxy, proxy_auth = _env_proxy(self.base_url)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers=self.headers,
                proxy=proxy,
                proxy_auth=proxy_auth,
            )
        return self._session

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The decoded JSON answer, or `APIStatusError` / `APIConnectionError`."""
        import aiohttp

        try:
            async with self._open().post(f"{self.base_url}{path}", data=json.dumps(payload)) as r:
                body = await r.read()
                status, headers = r.status, r.headers
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            kind = "timed out" if isinstance(exc, TimeoutError) else "connection error"
            raise APIConnectionError(redact(f"{kind}: {exc or type(exc).__name__}")) from exc
        if status >= 400:
            message, code = _error_detail(body)
            raise APIStatusError(status, message, headers, code)
        if self.on_headers is not None:
            self.on_headers(headers)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise APIStatusError(
                status, f"invalid JSON answer: {body[:200]!r}", headers, None
            ) from exc

    async def aclose(self) -> None:
        """Close the connection pool (call from the loop that used it)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _env_proxy(base_url: str) -> tuple[Any, Any]:
    """The proxy (and its auth) that HTTPS_PROXY / HTTP_PROXY / NO_PROXY name for
    `base_url`, looked up once: aiohttp's `trust_env` would do it in a thread per request."""
    from aiohttp.helpers import get_env_proxy_for_url
    from yarl import URL

    try:
        return get_env_proxy_for_url(URL(base_url))
    except LookupError:  # no proxy for this host
        return None, None


def _split_credentials(url: str) -> tuple[str, str | None]:
    """`url` without its `user:password@`, and the Basic `Authorization` value they make."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    netloc = parts.netloc.rpartition("@")[2]
    pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    basic = "Basic " + base64.b64encode(pair.encode()).decode()
    return urlunsplit(parts._replace(netloc=netloc)), basic


def _error_detail(body: bytes) -> tuple[str, str | None]:
    """The error message and code of an OpenAI-style error body (or the raw text)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:500], None
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        message = error.get("message") or error.get("detail") or json.dumps(error)[:500]
        return str(message), error.get("code") or error.get("type")
    return str(error)[:500], None
