"""An OpenAI / Azure OpenAI chat-completions server for the protocol details distil must get
right, driven by the real clients (the lean aiohttp one and the `openai` SDK).

It records every request (method, path, query, headers, JSON body) and can: refuse
`max_tokens` as reasoning models do (400 `unsupported_parameter`), refuse `strict` schemas,
cut answers at the token limit (`finish_reason: length`), and enforce a request quota the
way OpenAI does (a bucket refilling at `rpm` / 60 per second, one second's worth at most),
answering 429 when it is empty and, with `headers=True`, sending `x-ratelimit-*` headers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from counting_server import judge_for
from json_server import JSONServer

#: Words of every plain answer; cut to `max_tokens` words when that is fewer.
ANSWER_WORDS = 12
TOKENS_LIMIT = 1_000_000


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]
    #: The request line's target as sent (an absolute URL when it came through a proxy).
    target: str = ""
    status: int = 0
    arrived: float = field(default_factory=time.monotonic)


class Quota:
    """OpenAI-style request budget: `rpm` per minute, enforced per second."""

    def __init__(self, rpm: float) -> None:
        self.limit = rpm
        self.rate = rpm / 60
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """Whether a request may pass now, and the headers that describe the budget."""
        with self.lock:
            now = time.monotonic()
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
            self.updated = now
            allowed = self.level >= 1
            if allowed:
                self.level -= 1
            deficit = self.capacity - self.level
        return allowed, {
            "x-ratelimit-limit-requests": str(int(self.limit)),
            "x-ratelimit-remaining-requests": str(int(self.limit - deficit)),
            "x-ratelimit-reset-requests": f"{deficit / self.rate * 1000:.0f}ms",
            "x-ratelimit-limit-tokens": str(TOKENS_LIMIT),
            "x-ratelimit-remaining-tokens": str(TOKENS_LIMIT - 100),
            "x-ratelimit-reset-tokens": "6ms",
        }


class ProtocolServer(JSONServer):
    """Runs in a background thread on 127.0.0.1 (a context manager); `seen` lists requests."""

    def __init__(
        self,
        *,
        refuse_max_tokens: bool = False,
        refuse_strict: bool = False,
        defaults_only: bool = False,
        rpm: float | None = None,
        headers: bool = True,
        delay: float = 0.0,
    ) -> None:
        self.delay = delay
        self.refuse_max_tokens = refuse_max_tokens
        self.refuse_strict = refuse_strict
        self.defaults_only = defaults_only
        self.quota = Quota(rpm) if rpm else None
        self.send_rate_headers = headers
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        super().__init__()

    def respond(
        self, request: BaseHTTPRequestHandler, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Record the request (path, query, headers, body), then answer it with `handle`."""
        parts = urlsplit(request.path)
        headers = {k.lower(): v for k, v in request.headers.items()}
        seen = Seen("POST", parts.path, parse_qs(parts.query), headers, body, request.path)
        with self.lock:
            self.seen.append(seen)
        status, answer_headers, payload = self.handle(seen)
        seen.status = status
        return status, answer_headers, payload

    def handle(self, seen: Seen) -> tuple[int, dict[str, str], dict[str, Any]]:
        body = seen.body
        headers: dict[str, str] = {}
        if self.quota is not None:
            allowed, budget = self.quota.take()
            headers = budget if self.send_rate_headers else {}
            if not allowed:
                return 429, headers, _error("Rate limit reached for requests", "requests")
        if self.refuse_max_tokens and "max_tokens" in body:
            message = (
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead."
            )
            return 400, headers, _error(message, "unsupported_parameter")
        if self.defaults_only:  # a reasoning model: OpenAI's own error answers
            if body.get("temperature") not in (None, 1):
                message = (
                    f"Unsupported value: 'temperature' does not support {body['temperature']} "
                    "with this model. Only the default (1) value is supported."
                )
                return 400, headers, _error(message, "unsupported_value")
            if "top_p" in body:
                message = "Unsupported parameter: 'top_p' is not supported with this model."
                return 400, headers, _error(message, "unsupported_parameter")
        fmt = body.get("response_format")
        if self.refuse_strict and fmt and fmt.get("json_schema", {}).get("strict"):
            message = "Invalid schema for response_format 'answer': 'minItems' is not permitted."
            return 400, headers, _error(message, "invalid_request_error")
        if self.delay:
            time.sleep(self.delay)  # real wait, the server's service time (noqa: real-wait)
        return 200, headers, self.answer(body)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        limit = body.get("max_completion_tokens") or body.get("max_tokens") or ANSWER_WORDS
        fmt = body.get("response_format")
        choices = []
        for k in range(body.get("n") or 1):
            if fmt:
                text, reason = judge_for(body["messages"], fmt["json_schema"]["schema"]), "stop"
            else:
                words = [f"w{i}" for i in range(ANSWER_WORDS)]
                text = " ".join(words[:limit])
                reason = "length" if limit < ANSWER_WORDS else "stop"
            message = {"role": "assistant", "content": text}
            choices.append({"index": k, "message": message, "finish_reason": reason})
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        return {
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": choices,
            "usage": usage,
        }

    def rate_limited_after(self, seconds: float) -> int:
        """429s answered to requests that came `seconds` or more after the first one."""
        start = self.seen[0].arrived
        return sum(s.status == 429 and s.arrived - start >= seconds for s in self.seen)


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}
