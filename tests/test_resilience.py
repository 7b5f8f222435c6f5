"""Surviving the real world: retries, Retry-After, adaptive concurrency, rate limits, cost.

Every run talks real HTTP to `flaky_server.FlakyServer` (an OpenAI-compatible server that
fails planned requests) through the real `openai` client; timings are the server's own
timestamps, never sleeps in the test.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from counting_server import answer_for
from datasets import Dataset
from flaky_server import Fault, FlakyServer, Record

from distilabel_cli import CustomDataset, OpenAILLM, Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import RunAborted
from distilabel_cli.llms.limits import AdaptiveLimiter
from distilabel_cli.llms.retry import backoff_delay, parse_retry_after
from distilabel_cli.pipeline.build import build_llm
from distilabel_cli.spec.models import PipelineSpec

ROWS = 200
SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm:
    type: openai
    model: writer
    base_url: "{url}"
    concurrency: 8
    pricing: {{input_per_million: 0.15, output_per_million: 0.6}}
  task: {{type: text-generation}}
labeller:
  llm:
    type: openai
    model: judge
    base_url: "{url}"
    concurrency: 8
    pricing: {{input_per_million: 2.5, output_per_million: 10}}
  task: {{type: ultrafeedback}}
run: {{num_generations: 2}}
checkpoint: {{enabled: false}}
output: {{path: out/flaky}}
"""


def llm(server: FlakyServer, **kwargs) -> OpenAILLM:
    return OpenAILLM(task=TextGenerationTask(), model="m", base_url=server.base_url, **kwargs)


def test_flaky_server_run_completes_every_row_once(tmp_path: Path) -> None:
    """200 rows x (2 generations + judge) with a fifth of the requests failing (429/500)."""
    inputs = [f"question {i}" for i in range(ROWS)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps({"input": q}) + "\n" for q in inputs))
    with FlakyServer(delay=0.005) as server:
        (tmp_path / "spec.yaml").write_text(SPEC.format(url=server.base_url))
        result = subprocess.run(
            [sys.executable, "-m", "distilabel_cli", "run", "spec.yaml", "--no-progress"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    records = server.records
    failures = [r for r in records if r.status != 200]
    assert 0.15 <= len(failures) / len(records) <= 0.25
    assert {r.status for r in failures} == {429, 500}
    answered = [r.key for r in records if r.status == 200]
    assert len(answered) == len(set(answered)) == 2 * ROWS  # each prompt answered exactly once

    out = tmp_path / "out" / "flaky"
    dataset = CustomDataset.load_from_disk(out)
    assert dataset["input"] == inputs  # none lost, none duplicated, input order
    for row in dataset:
        assert row["generations"] == [answer_for(row["input"], k) for k in range(2)]
        assert all(r in {1.0, 2.0, 3.0, 4.0, 5.0} for r in row["rating"])
        assert row["distil_metadata"] == {
            "generation_errors": [None, None],
            "labelling_error": None,
        }

    report = json.loads((out / "distil-run.json").read_text())["report"]
    usages = [entry["usage"] for entry in report["llms"]]
    assert sum(u["retries"] for u in usages) == len(failures)
    assert sum(u["rate_limited"] for u in usages) == sum(r.status == 429 for r in failures)
    assert [u["failed_requests"] for u in usages] == [0, 0]
    writer, judge = usages
    # the server's usage: 10 tokens in, 5 out per choice; the writer asks n=2
    writer_cost = ROWS * (10 * 0.15 + 10 * 0.6) / 1e6
    judge_cost = ROWS * (10 * 2.5 + 5 * 10) / 1e6
    assert [e["cost"] for e in report["llms"]] == pytest.approx([writer_cost, judge_cost])
    assert report["cost"] == pytest.approx(writer_cost + judge_cost)
    assert f"{len(failures) - judge['retries']} retries" in result.stdout
    assert "cost" in result.stdout


def gap(records: list[Record]) -> float:
    """Seconds between the server's answer to the first attempt and the second's arrival."""
    first, second = records[:2]
    return second.arrived - first.finished


def test_retry_after_timeouts_and_dropped_connections_are_retried() -> None:
    def plan(key: str, attempt: int, seq: int) -> Fault | None:
        if attempt > 0:
            return None
        date = email.utils.formatdate(time.time() + 2, usegmt=True)
        return {
            "zero": Fault(429, {"Retry-After": "0"}),
            "seconds": Fault(429, {"Retry-After": "0.7"}),
            "millis": Fault(503, {"retry-after-ms": "400"}),
            "date": Fault(503, {"Retry-After": date}),  # 1 s resolution: waits 1-2 s
            "stall": Fault(stall=1.5),  # longer than the client's timeout
            "drop": Fault(0),
        }.get(key)

    keys = ["zero", "seconds", "millis", "date", "stall", "drop"]
    with FlakyServer(plan) as server:
        writer = llm(server, concurrency=len(keys), timeout=0.5)
        data = Pipeline(generator=writer).generate(Dataset.from_dict({"input": keys}))
    assert data["generations"] == [[answer_for(k, 0)] for k in keys]
    assert all(len(server.of(k)) == 2 for k in keys)  # one retry each, all answered
    assert gap(server.of("zero")) < 0.2  # at once: below the 0.25 s minimum backoff
    assert gap(server.of("seconds")) >= 0.7
    assert gap(server.of("millis")) >= 0.4
    assert gap(server.of("date")) >= 1.0
    stall, retried = server.of("stall")
    assert retried.arrived - stall.arrived >= 0.5 + 0.25  # timeout, then backoff
    assert writer.usage.retries == len(keys) and writer.usage.rate_limited == 2


def test_adaptive_concurrency_backs_off_on_429_and_climbs_back() -> None:
    """A burst of 429s (arrivals 40-59) drops the in-flight limit; successes raise it again."""

    def plan(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(429, {"Retry-After": "0"}) if 40 <= seq < 60 else None

    with FlakyServer(plan, delay=0.2) as server:
        writer = llm(server, concurrency=8, max_retries=30)
        rows = Dataset.from_dict({"input": [f"q{i}" for i in range(160)]})
        data = Pipeline(generator=writer).generate(rows)
    assert all(g[0] is not None for g in data["generations"])
    records = server.records  # in flight at the server, at each arrival (load only lowers it)
    assert max(r.in_flight for r in records) <= 8  # never above `concurrency`
    assert max(r.in_flight for r in records[60:66]) <= 3  # backed off to 1, climbing
    assert max(r.in_flight for r in records[100:]) >= 5  # climbed back up
    assert writer.usage.lowest_concurrency == 1 and writer.slots.limit == 8
    assert writer.usage.rate_limited == 20


#: Seconds a request may take from its rate-limit grant to the server (new connections,
#: the first client): arrivals can bunch up by that much.
LATENCY = 0.5


def warm_up(server: FlakyServer) -> None:
    """One request first, so that imports and the first client do not delay the measured run."""
    Pipeline(generator=llm(server)).generate(Dataset.from_dict({"input": ["warm-up"]}))
    server.records.clear()


def within_rate(times: list[float], amounts: list[int], per_second: float, burst: float) -> bool:
    """Whether the arrivals in every window [t_i, t_j] were granted by a token bucket:
    at most `burst + per_second * (t_j - t_i + LATENCY)`."""
    for i in range(len(times)):
        total = 0
        for j in range(i, len(times)):
            total += amounts[j]
            if total > burst + per_second * (times[j] - times[i] + LATENCY) + 1e-6:
                return False
    return True


def test_requests_per_minute_is_respected() -> None:
    with FlakyServer(lambda *_: None) as server:
        warm_up(server)
        writer = llm(server, concurrency=8, requests_per_minute=600)  # 10/s, bursts of 10
        Pipeline(generator=writer).generate(
            Dataset.from_dict({"input": [f"q{i}" for i in range(30)]})
        )
    times = sorted(r.arrived for r in server.records)
    assert len(times) == 30
    assert within_rate(times, [1] * 30, per_second=10, burst=10)
    assert times[-1] - times[0] >= (30 - 10) / 10 - LATENCY  # 10 at once, then 10/s
    assert not within_rate(times, [1] * 30, per_second=5, burst=5)  # the check can fail


def test_tokens_per_minute_is_respected_and_corrected_by_usage() -> None:
    """Each request is estimated at ~33 tokens but uses 15: the budget follows actual use."""
    with FlakyServer(lambda *_: None) as server:
        warm_up(server)
        writer = llm(server, concurrency=4, max_new_tokens=20, tokens_per_minute=6000)
        rows = Dataset.from_dict({"input": [f"q{i}" for i in range(20)]})
        Pipeline(generator=writer).generate(rows)
    records = sorted(server.records, key=lambda r: r.arrived)
    times = [r.arrived for r in records]
    assert within_rate(times, [r.tokens for r in records], per_second=100, burst=100)
    assert times[-1] - times[0] >= (20 * 15 - 100 - 33) / 100 - LATENCY
    assert times[-1] - times[0] < (20 * 33 - 100) / 100  # faster than charging estimates


def test_request_failing_after_max_retries_becomes_none_and_the_run_goes_on() -> None:
    def plan(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(500) if key == "doomed" else None

    with FlakyServer(plan) as server:
        writer = llm(server, max_retries=2, concurrency=2)
        judge = OpenAILLM(task=UltraFeedbackTask(), model="j", base_url=server.base_url)
        rows = Dataset.from_dict({"input": ["a", "doomed", "b"]})
        pipeline = Pipeline(generator=writer, labeller=judge)
        data = pipeline.generate(rows, num_generations=2)
    doomed = data[1]
    assert doomed["generations"] == [None, None] and doomed["rating"] == [None, None]
    for error in doomed["distil_metadata"]["generation_errors"]:
        assert "InternalServerError" in error and "gave up after 2 retries" in error
    assert doomed["distil_metadata"]["labelling_error"] == "no generations to label"
    assert len(server.of("doomed")) == 3  # one request with n=2, retried twice
    assert data[0]["generations"] == [answer_for("a", k) for k in range(2)]
    assert data[2]["distil_metadata"] == {
        "generation_errors": [None, None],
        "labelling_error": None,
    }
    assert (writer.usage.failed_requests, writer.usage.retries) == (1, 2)


def test_exhausted_quota_is_fatal_not_retried() -> None:
    def plan(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(429, code="insufficient_quota")

    with FlakyServer(plan) as server, pytest.raises(RunAborted, match="insufficient_quota"):
        Pipeline(generator=llm(server)).generate(Dataset.from_dict({"input": ["a"]}))
    assert len(server.records) == 1


def test_adaptive_limiter_halves_once_per_overload_and_survives_cancellation() -> None:
    async def scenario() -> None:
        limiter = AdaptiveLimiter(4)
        epochs = [await limiter.acquire() for _ in range(4)]
        limiter.throttled(epochs[0])
        limiter.throttled(epochs[1])  # admitted before the decrease: the same overload
        assert (limiter.limit, limiter.decreases) == (2, 1)
        waiting = asyncio.create_task(limiter.acquire())
        cancelled = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0)  # let both queue up
        cancelled.cancel()
        for _ in range(3):
            limiter.release()
        assert await waiting == 1 and limiter.in_flight == 2  # 4 - 3 released + 1 granted
        assert cancelled.cancelled()
        limiter.throttled(1)
        assert limiter.limit == 1 and limiter.lowest == 1
        for _ in range(1 + 2 + 3):  # +1 per `limit` successes
            limiter.succeeded()
        assert limiter.limit == 4
        limiter.succeeded()
        assert limiter.limit == 4  # never above the maximum

    asyncio.run(scenario())


def test_parse_retry_after_and_backoff() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0"}) == 0.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after({"retry-after": date}) <= 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
    assert backoff_delay(0, retry_after=0.0) == 0.0
    for retry, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (6, 8.0)]:
        assert ceiling / 2 <= backoff_delay(retry) <= ceiling


def test_every_llm_type_takes_retry_rate_and_pricing_keys() -> None:
    pricing = {"input_per_million": 1, "output_per_million": 2}
    llm_spec = {"type": "llama-cpp", "max_retries": 5, "timeout": 30, "pricing": pricing}
    llm_spec |= {"requests_per_minute": 60, "tokens_per_minute": 1000}
    stage = {"llm": llm_spec, "task": {"type": "text-generation"}}
    spec = PipelineSpec.model_validate(
        {"input": {"path": "x.jsonl"}, "generator": stage, "output": {"path": "out"}}
    )
    built = build_llm(spec.generator.llm, TextGenerationTask())
    assert (built.max_retries, built.timeout) == (5, 30)
    assert (built.requests_per_minute, built.tokens_per_minute) == (60, 1000)
    assert built.pricing is not None and built.pricing.output_per_million == 2
