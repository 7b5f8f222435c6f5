"""Pacing by the server's `x-ratelimit-*` headers: parsing, and a real quota server
(`openai_protocol_server.py`, OpenAI's per-second enforcement of a per-minute limit) that
answers 429 when its budget is empty, driven by the lean client and the `openai` SDK."""

from __future__ import annotations

import asyncio

import pytest
from datasets import Dataset
from openai_protocol_server import ProtocolServer

from distilabel_cli import OpenAILLM, Pipeline, TextGenerationTask
from distilabel_cli.llms.limits import HEADROOM, RateLimits
from distilabel_cli.llms.rate_limit_headers import parse_budgets, parse_duration

#: 40 requests a second, at most 40 at once: 160 rows take about 4 s.
RPM = 2400
ROWS = 160
#: Service time: 64 requests in flight would ask for 640 a second.
DELAY = 0.1
#: Seconds after which the first burst is surely answered.
SETTLED = 1.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0.5", 0.5)],
)
def test_reset_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_unreadable_reset_is_ignored() -> None:
    assert parse_duration("soon") is None and parse_duration("5 parsecs") is None


def test_budgets_from_openai_headers() -> None:
    headers = {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "2s",
        "x-ratelimit-remaining-tokens": "149984",
    }
    budgets = parse_budgets(headers)
    requests, tokens = budgets["requests"], budgets["tokens"]
    assert requests.exhausted and requests.per_second == pytest.approx(1.0)  # 60 a minute
    assert not tokens.exhausted and tokens.per_second is None  # no limit: no pacing
    assert parse_budgets({"content-type": "application/json"}) == {}


def test_an_empty_budget_holds_the_next_request_until_it_refills() -> None:
    async def wait_for_one() -> float:
        limits = RateLimits(None, None)
        limits.observe(
            {
                "x-ratelimit-limit-requests": "600",  # 10 a second
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "60s",
            }
        )
        await limits.acquire(10)
        return limits.waited

    assert asyncio.run(wait_for_one()) == pytest.approx(1 / (10 * HEADROOM), rel=0.05)


def run_against_quota(headers: bool, sdk: bool) -> tuple[ProtocolServer, OpenAILLM]:
    with ProtocolServer(rpm=RPM, headers=headers, delay=DELAY) as server:
        llm = OpenAILLM(
            task=TextGenerationTask(),
            model="m",
            base_url=server.base_url,
            concurrency=64,
            max_retries=30,
        )
        llm._use_sdk = sdk
        rows = Dataset.from_dict({"input": [f"q{i}" for i in range(ROWS)]})
        out = Pipeline(generator=llm).generate(rows)
    assert None not in [g[0] for g in out["generations"]]  # every row answered
    return server, llm


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_header_pacing_avoids_the_429s_a_quota_would_send(sdk: bool) -> None:
    blind, blind_llm = run_against_quota(headers=False, sdk=sdk)
    paced, paced_llm = run_against_quota(headers=True, sdk=sdk)
    # Without headers every burst overruns the 40-request budget and AIMD halves.
    assert blind.rate_limited_after(0) >= 30 and blind_llm.usage.lowest_concurrency is not None
    # With them, the first burst (sent before any answer told the budget) overruns it too;
    # once it is past (a second later, on a busy machine), 429s are rare, and a quota 429
    # does not halve the in-flight limit.
    assert paced.rate_limited_after(0) - paced.rate_limited_after(SETTLED) <= 64 - 40 + 4
    assert paced.rate_limited_after(SETTLED) <= 3 < blind.rate_limited_after(SETTLED)
    assert paced_llm.usage.rate_limited == paced.rate_limited_after(0)
    assert paced_llm.usage.lowest_concurrency is None
