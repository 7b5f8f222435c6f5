"""Per-LLM admission control: an adaptive in-flight limit and request/token rate limits.

Both are bound to the running event loop and made lazily by `LLM` (`slots`, `limits`).
Rate limits are the spec's explicit caps and, once the server sends `x-ratelimit-*`
headers, the budgets those headers describe (`ServerPacing`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from distilabel_cli.llms.rate_limit_headers import Budget, parse_budgets

#: Rough characters per token, to estimate a prompt's tokens before a request.
CHARS_PER_TOKEN = 4


class AdaptiveLimiter:
    """At most `limit` holders at once (FIFO); AIMD between 1 and `maximum`.

    `throttled` halves the limit (a 429); `succeeded` adds one to it per `limit`
    successes, back up to `maximum`. A 429 for a request admitted before the last
    decrease is ignored: that decrease already answered the same overload.
    `async with limiter as epoch:` holds one place; `epoch` is what `throttled` takes.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.lowest = maximum
        self.decreases = 0
        self._epoch = 0
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        """Wait for a place; returns the epoch it was granted in."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return self._epoch
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted, then cancelled
                self.release()
            elif waiter in self._waiters:  # `_wake` may have dropped it already
                self._waiters.remove(waiter)
            raise
        return self._epoch

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def throttled(self, epoch: int) -> None:
        """The server answered 429 to a request admitted in `epoch`."""
        if epoch != self._epoch:
            return
        self._epoch += 1
        self._successes = 0
        self.limit = max(1, self.limit // 2)
        self.lowest = min(self.lowest, self.limit)
        self.decreases += 1

    def succeeded(self) -> None:
        """A request was answered: climb back one place per `limit` successes."""
        if self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit += 1
            self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    async def __aenter__(self) -> int:
        return await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class TokenBucket:
    """`per_minute` units a minute, smoothed: at most one second's worth in a burst.

    `take` waits (FIFO) until the bucket holds the amount, or is full when the amount is
    more than it can hold; the level may then go below zero, so the long-run rate holds.
    """

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.updated = time.monotonic()
        self.waited = 0.0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    async def take(self, amount: float) -> None:
        async with self._lock:
            need = min(amount, self.capacity)
            self._refill()
            while self.level < need:
                pause = (need - self.level) / self.rate
                self.waited += pause
                await asyncio.sleep(pause)
                self._refill()
            self.level -= amount

    def give_back(self, amount: float) -> None:
        """Return (or, negative, charge) units after the fact."""
        self._refill()
        self.level = min(self.capacity, self.level + amount)


#: Share of the server's rate that header pacing uses: requests reach the server with jitter,
#: and one that arrives a little early meets an empty budget.
HEADROOM = 0.9


class ServerPacing:
    """Request and token budgets learnt from the server's `x-ratelimit-*` headers.

    Each kind is a `TokenBucket` refilling at the rate the headers imply (what is used up
    over the time to refill it, else the limit per minute). Its burst is one second's worth
    until a 429 shows what the server really allows at once (what was used when it came:
    OpenAI enforces a per-minute limit over shorter periods); its level never exceeds what
    the last answer left. So requests wait before the server would answer 429.
    """

    def __init__(self) -> None:
        self.buckets: dict[str, TokenBucket] = {}
        self.bursts: dict[str, float] = {}

    def observe(self, headers: Mapping[str, str], rate_limited: bool = False) -> bool:
        """Learn from one answer's headers (`rate_limited`: a 429's); whether they describe
        a budget that the pacing now keeps to."""
        budgets = parse_budgets(headers)
        if rate_limited and budgets:  # the budget most used up is the one that ran out
            kind, budget = max(budgets.items(), key=lambda item: item[1].used_share)
            if budget.used >= 1:
                self.bursts[kind] = min(self.bursts.get(kind, budget.used), budget.used)
        paced = False
        for kind, budget in budgets.items():
            paced |= self._update(kind, budget) and (budget.exhausted or budget.used >= 1)
        return paced

    def _update(self, kind: str, budget: Budget) -> bool:
        rate = budget.per_second
        if rate is None or rate <= 0:
            return False
        rate *= HEADROOM
        bucket = self.buckets.get(kind)
        if bucket is None:
            bucket = self.buckets[kind] = TokenBucket(rate * 60)
        else:
            bucket._refill()
            bucket.rate = rate
        burst = self.bursts.get(kind)
        bucket.capacity = burst if burst is not None else max(1.0, rate)
        level = budget.remaining
        if burst is not None and budget.limit is not None:
            level = min(level, burst - (budget.limit - budget.remaining))
        bucket.level = min(bucket.level, bucket.capacity, level)
        return True

    async def acquire(self, tokens: int) -> None:
        if "requests" in self.buckets:
            await self.buckets["requests"].take(1)
        if "tokens" in self.buckets:
            await self.buckets["tokens"].take(tokens)

    def settle(self, estimated: int, actual: int) -> None:
        if "tokens" in self.buckets:
            self.buckets["tokens"].give_back(estimated - actual)


class RateLimits:
    """`requests_per_minute` and `tokens_per_minute` of one LLM (either may be None), and
    the budgets the server's rate-limit headers describe (`observe`)."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None) -> None:
        self.requests = TokenBucket(requests_per_minute) if requests_per_minute else None
        self.tokens = TokenBucket(tokens_per_minute) if tokens_per_minute else None
        self.server = ServerPacing()

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about `tokens` tokens fits every budget."""
        if self.requests is not None:
            await self.requests.take(1)
        if self.tokens is not None:
            await self.tokens.take(tokens)
        if self.server.buckets:
            await self.server.acquire(tokens)

    def observe(self, headers: Mapping[str, str], rate_limited: bool = False) -> bool:
        """Pace by an answer's rate-limit headers (`rate_limited`: a 429's); whether they
        describe a budget the pacing keeps to (then a 429 needs no other slowing down)."""
        return self.server.observe(headers, rate_limited)

    def settle(self, estimated: int, actual: int | None) -> None:
        """Correct the token budgets with what a request really used (None: unknown)."""
        if actual is None:
            return
        if self.tokens is not None:
            self.tokens.give_back(estimated - actual)
        self.server.settle(estimated, actual)

    @property
    def waited(self) -> float:
        """Seconds requests spent waiting for any budget."""
        buckets = [self.requests, self.tokens, *self.server.buckets.values()]
        return sum(b.waited for b in buckets if b is not None)


def estimate_tokens(prompt: Any, max_output_tokens: int) -> int:
    """Tokens a request may use: its prompt's characters / 4 plus the output allowance."""
    if isinstance(prompt, list):
        chars = sum(len(str(m.get("content") or "")) for m in prompt)
    else:
        chars = len(str(prompt))
    return chars // CHARS_PER_TOKEN + max_output_tokens
