"""The `x-ratelimit-*` headers OpenAI (and compatible servers) send with every answer.

`x-ratelimit-limit-requests` / `-tokens` (the budget), `x-ratelimit-remaining-*` (what is
left of it now) and `x-ratelimit-reset-*` (time until it is full again: `1s`, `6m0s`,
`20ms`, or plain seconds). `limits.ServerPacing` paces requests by them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from distilabel_cli.errors import TransientError

PREFIX = "x-ratelimit-"
KINDS = ("requests", "tokens")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
#: A plain reset value above this is a Unix time, not a number of seconds.
_EPOCH = 1_000_000_000


@dataclass(frozen=True)
class Budget:
    """One kind of budget (requests or tokens) as an answer's headers describe it."""

    limit: float | None
    remaining: float
    reset: float | None  # seconds until the budget is full again

    @property
    def per_second(self) -> float | None:
        """How fast the budget refills: the limit per minute (OpenAI's limits are per
        minute), or less when what is used takes longer to refill (a daily limit)."""
        if self.limit is None:
            return None
        per_minute = self.limit / 60.0
        if self.reset and self.used > 0:
            return min(per_minute, self.used / self.reset)
        return per_minute

    @property
    def used(self) -> float:
        """What is used of the budget now (0 when the limit is not told)."""
        return 0.0 if self.limit is None else self.limit - self.remaining

    @property
    def used_share(self) -> float:
        return self.used / self.limit if self.limit else 0.0

    @property
    def exhausted(self) -> bool:
        return self.remaining < 1


class QuotaExhausted(TransientError):
    """A 429 whose headers show a used-up budget: the pacing waits for it to refill, so the
    adaptive in-flight limit is not halved (that answers overload, not a quota)."""


def parse_duration(value: str) -> float | None:
    """Seconds in `1s`, `6m0s`, `1h2m3.5s`, `20ms`, plain seconds or a Unix time."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        parts = _DURATION_PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value.replace(" ", ""):
            return None
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
        return sum(float(n) * scale[u] for n, u in parts)
    if number > _EPOCH:
        return max(0.0, number - time.time())
    return max(0.0, number)


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def parse_budgets(headers: Mapping[str, str]) -> dict[str, Budget]:
    """`requests` / `tokens` -> Budget, for the kinds whose `remaining` header is present."""
    budgets = {}
    for kind in KINDS:
        remaining = _number(headers, f"{PREFIX}remaining-{kind}")
        if remaining is None:
            continue
        reset_text = headers.get(f"{PREFIX}reset-{kind}")
        reset = parse_duration(reset_text) if reset_text else None
        budgets[kind] = Budget(_number(headers, f"{PREFIX}limit-{kind}"), remaining, reset)
    return budgets
