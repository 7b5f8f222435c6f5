"""An OpenAI-compatible HTTP server that fails planned requests with 429 / 5xx.

It speaks real HTTP/1.1 (chat completions) to the real `openai` client, like
`counting_server.py`, whose answers it gives. A plan decides, from the prompt and how many
times it was asked before, whether a request fails: a status with headers (Retry-After), a
stall before answering (client timeouts) or a dropped connection. Every request is recorded
with its server-side arrival and finish times and the number of requests in flight at
arrival, so tests check retries, Retry-After, concurrency and rates from the server's view.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from counting_server import answer_for, judge_for
from json_server import JSONServer

STATUS_TYPES = {429: "rate_limit_error", 500: "server_error", 503: "server_error"}


@dataclass(frozen=True)
class Fault:
    """How one request fails: `status` 0 drops the connection; `stall` delays a 200."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    stall: float = 0.0


#: (prompt key, earlier requests with that key, arrival number) -> Fault, or None to answer.
Plan = Callable[[str, int, int], Fault | None]


@dataclass
class Record:
    """One request as the server saw it (times from `time.monotonic()`)."""

    key: str
    attempt: int
    seq: int
    status: int
    arrived: float
    finished: float
    in_flight: int
    tokens: int


def bucket(key: str) -> int:
    """A stable 0-99 number for a prompt."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def twenty_percent(key: str, attempt: int, seq: int) -> Fault | None:
    """A quarter of the prompts fail their first request (so a fifth of all requests):
    429 with Retry-After 0, 429 with Retry-After 0.2 s, 429 without it, or 500."""
    b = bucket(key)
    if attempt > 0 or b >= 25:
        return None
    if b < 8:
        return Fault(429, {"Retry-After": "0"})
    if b < 12:
        return Fault(429, {"Retry-After": "0.2"})
    if b < 16:
        return Fault(429)
    return Fault(500)


class FlakyServer(JSONServer):
    """Runs in a background thread on 127.0.0.1; `records` lists every request."""

    def __init__(self, plan: Plan | None = None, delay: float = 0.0) -> None:
        self.plan = plan or twenty_percent
        self.delay = delay
        self.records: list[Record] = []
        self.asked: Counter[str] = Counter()
        self.in_flight = 0
        self.lock = threading.Lock()
        super().__init__()

    def handle(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        messages = body["messages"]
        key = messages[-1]["content"]
        arrived = time.monotonic()
        with self.lock:
            attempt = self.asked[key]
            self.asked[key] += 1
            seq = len(self.records)
            self.in_flight += 1
            record = Record(key, attempt, seq, 0, arrived, 0.0, self.in_flight, 0)
            self.records.append(record)
        fault = self.plan(key, attempt, seq) or Fault()
        wait = fault.stall or (self.delay if fault.status == 200 else 0.0)
        if wait:
            time.sleep(wait)  # real wait, the server's service time (or a stall) (noqa: real-wait)
        status, headers = fault.status, fault.headers
        if status == 200:
            payload = self.answer(body, key)
            record.tokens = payload["usage"]["total_tokens"]
        else:
            error = {"message": f"planned {status}", "type": STATUS_TYPES.get(status, "error")}
            payload = {"error": {**error, "code": fault.code}}
        with self.lock:  # before the answer goes out: the next request may follow at once
            self.in_flight -= 1
            record.status, record.finished = status, time.monotonic()
        return status, headers, payload

    def answer(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        fmt = body.get("response_format")
        if fmt:
            texts = [judge_for(body["messages"], fmt["json_schema"]["schema"])]
        else:
            texts = [answer_for(key, k) for k in range(body.get("n") or 1)]
        choices = [
            {"index": k, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for k, t in enumerate(texts)
        ]
        usage = {"prompt_tokens": 10, "completion_tokens": 5 * len(texts)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {
            "id": "cmpl-flaky",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": choices,
            "usage": usage,
        }

    def of(self, key: str) -> list[Record]:
        """The records of one prompt, in arrival order."""
        return [r for r in self.records if r.key == key]
