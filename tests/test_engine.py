"""The async engine's guarantees: streaming without barriers, order, alignment, bounded work.

These tests drive the real engine with `ScriptedLLM`s (the shipped fake LLM), so that timing
is controlled by events rather than sleeps.
"""

from __future__ import annotations

import asyncio

import pytest
from datasets import Dataset

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import FatalLLMError, RunAborted
from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.pipeline.engine import Engine


def judge_answer(n: int) -> str:
    return '{"ratings": [' + ", ".join('{"rating": 4, "rationale": "ok"}' for _ in range(n)) + "]}"


def test_labelling_starts_before_generation_finishes() -> None:
    """Row 0 is labelled while the last row's generation is still blocked: no batch barrier."""
    release_last = asyncio.Event()
    labelled_first = asyncio.Event()

    async def generate(request: Request) -> str:
        if request.text == "q3":
            await release_last.wait()  # released only once row 0 has been labelled
        return f"answer to {request.text}"

    async def label(request: Request) -> str:
        labelled_first.set()
        release_last.set()
        return judge_answer(len(request.json_schema["properties"]["ratings"]["items"]) and 2)

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate, concurrency=4)
    labeller = ScriptedLLM(task=UltraFeedbackTask(), answer=label, structured=True, concurrency=4)
    dataset = Dataset.from_dict({"input": [f"q{i}" for i in range(4)]})
    result = Pipeline(generator=generator, labeller=labeller).generate(dataset, 2)
    assert labelled_first.is_set()
    assert result["input"] == ["q0", "q1", "q2", "q3"]
    assert result["rating"] == [[4.0, 4.0]] * 4


def test_output_order_equals_input_order_when_answers_arrive_reversed() -> None:
    gates = {f"q{i}": asyncio.Event() for i in range(6)}

    async def generate(request: Request) -> str:
        index = int(request.text[1:])
        if index < 5:
            await gates[request.text].wait()
        if index > 0:
            gates[f"q{index - 1}"].set()  # finishing row i releases row i-1
        return f"a{index}"

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate, concurrency=6)
    result = Pipeline(generator=generator).generate(
        Dataset.from_dict({"input": [f"q{i}" for i in range(6)]})
    )
    assert generator.requests[0].text == "q0"
    assert result["generations"] == [[f"a{i}"] for i in range(6)]


def test_concurrency_limit_per_llm_is_respected() -> None:
    async def generate(request: Request) -> str:
        await asyncio.sleep(0)  # yield so that other requests can pile up
        return "x"

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate, concurrency=3)
    Pipeline(generator=generator).generate(Dataset.from_dict({"input": ["q"] * 40}))
    assert generator.peak == 3


def test_failed_generation_stays_aligned_and_is_not_rated() -> None:
    def generate(request: Request) -> str | Completion:
        return "good" if request.index == 0 else Completion(None, error="boom")

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate)
    labeller = ScriptedLLM(task=UltraFeedbackTask(), answer=judge_answer(2), structured=True)
    pipeline = Pipeline(generator=generator, labeller=labeller)
    row = pipeline.generate(Dataset.from_dict({"input": ["q"]}), 2)[0]
    assert row["generation_model"] == ["scripted", "scripted"]
    assert row["raw_generation_responses"] == ["good", None]
    assert row["generations"] == ["good", None]
    assert row["rating"] == [4.0, None] and row["rationale"] == ["ok", None]
    assert row["distil_metadata"] == {"generation_errors": [None, "boom"], "labelling_error": None}
    counts = pipeline.last_report.counts
    assert (counts.generations_ok, counts.generations_failed) == (1, 1)
    assert (counts.labels_ok, counts.labels_failed) == (1, 0)


def test_unparseable_judge_answer_keeps_raw_text_and_counts_failures() -> None:
    labeller = ScriptedLLM(
        task=UltraFeedbackTask(), answer="I refuse to rate these.", structured=True
    )
    pipeline = Pipeline(labeller=labeller)
    dataset = Dataset.from_dict({"input": ["q"], "generations": [["a", "b", "c"]]})
    row = pipeline.generate(dataset)[0]
    assert row["raw_labelling_response"] == "I refuse to rate these."
    assert row["rating"] == [None, None, None]
    assert pipeline.last_report.counts.labels_failed == 3


def test_fatal_error_aborts_and_keeps_finished_rows() -> None:
    def generate(request: Request) -> str:
        if request.text == "q2":
            raise FatalLLMError("401 bad key")
        return f"a-{request.text}"

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate, concurrency=1)
    pipeline = Pipeline(generator=generator)
    with pytest.raises(RunAborted, match="401 bad key") as info:
        pipeline.generate(Dataset.from_dict({"input": [f"q{i}" for i in range(5)]}))
    partial = info.value.dataset
    assert partial["input"][:2] == ["q0", "q1"]  # finished rows are kept, in input order
    assert "q2" not in partial["input"]
    assert partial["generations"] == [[f"a-{q}"] for q in partial["input"]]


def test_rows_in_flight_are_bounded() -> None:
    """A huge dataset does not become a huge number of pending coroutines."""
    started: list[int] = []

    def generate(request: Request) -> str:
        started.append(int(request.text))
        return "x"

    generator = ScriptedLLM(task=TextGenerationTask(), answer=generate, concurrency=2)
    engine = Engine(generator, None, 1)
    rows = [{"input": str(i)} for i in range(200)]
    results = asyncio.run(engine.run(rows))
    assert len(results) == 200 and all(r is not None for r in results)
    assert engine.max_rows_in_flight() == 8
    assert started == sorted(started)  # rows are admitted in input order
