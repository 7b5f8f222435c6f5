"""Retries with exponential backoff and jitter that honour `Retry-After`.

Each attempt goes through the LLM's adaptive slots and rate limits again, so a retry is
throttled like any other request, and no slot is held while backing off.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from distilabel_cli.errors import TransientError
from distilabel_cli.llms.rate_limit_headers import QuotaExhausted

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM

T = TypeVar("T")

#: HTTP statuses worth another attempt (besides 5xx): timeout, conflict, too early, 429.
RETRY_STATUSES = frozenset({408, 409, 425, 429})
#: Retries of one request by default: at a 20 % random failure rate 0.2**9 = 5e-7 of the
#: requests still fail, so a 200-row generate + judge run loses no item in practice
#: (3 retries lost one in about half of such runs). Worst case about 48 s of backoff.
DEFAULT_MAX_RETRIES = 8
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
#: A server asking to wait longer than this is not retried (the request fails now).
MAX_RETRY_AFTER = 120.0


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(retry: int, retry_after: float | None = None) -> float:
    """Seconds before retry number `retry` (0-based): Retry-After, else 0.5 s x 2^retry
    (at most 8 s) with jitter down to half of it."""
    if retry_after is not None:
        return retry_after
    ceiling = min(MAX_DELAY, INITIAL_DELAY * 2 ** min(retry, 16))
    return ceiling * random.uniform(0.5, 1.0)


async def call_with_retries(llm: LLM, attempt: Callable[[], Awaitable[T]], tokens: int) -> T:
    """Run `attempt` under `llm`'s slots and rate limits; retry its `TransientError`s.

    Raises the last `TransientError` (its message saying how many retries were made) once
    `llm.max_retries` retries have failed; any other exception passes through at once.
    """
    usage, slots, limits = llm.usage, llm.slots, llm.limits
    retry = 0
    while True:
        async with slots as epoch:
            await limits.acquire(tokens)
            try:
                return_value = await attempt()
            except TransientError as exc:
                limits.settle(tokens, 0)
                error = exc
                if exc.rate_limited:
                    usage.rate_limited += 1
                    if not isinstance(exc, QuotaExhausted):  # the header pacing waits instead
                        slots.throttled(epoch)
                        usage.lowest_concurrency = slots.lowest
            else:
                slots.succeeded()
                return return_value
        wait = error.retry_after
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise TransientError(f"{error} (the server asked to wait {wait:.0f} s: not retried)")
        if retry >= llm.max_retries:
            raise TransientError(f"{error} (gave up after {retry} retries)")
        usage.retries += 1
        await asyncio.sleep(backoff_delay(retry, wait))
        retry += 1
