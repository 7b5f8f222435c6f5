"""ScriptedLLM, the shipped fake LLM: each way of scripting it, its records and its slots."""

from __future__ import annotations

import asyncio
import json

import pytest
from datasets import Dataset

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import FatalLLMError
from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.scripted import Request, ScriptedLLM


def texts(completions: list[Completion]) -> list[str | None]:
    return [c.text for c in completions]


def test_a_text_answers_every_completion() -> None:
    llm = ScriptedLLM(answer="hi", name="fixed")
    assert texts(asyncio.run(llm.agenerate("q", 2))) == ["hi", "hi"]
    assert llm.model_name == "fixed" and llm.counts == {"q": 1}
    assert (llm.usage.requests, llm.usage.ok_requests, llm.usage.failed_requests) == (1, 1, 0)


def test_a_list_is_cycled_through_in_order_of_arrival() -> None:
    llm = ScriptedLLM(answer=["a", "b", "c"])

    async def two_requests() -> list[list[Completion]]:
        return [await llm.agenerate("first", 2), await llm.agenerate("second", 2)]

    first, second = asyncio.run(two_requests())
    assert texts(first) == ["a", "b"] and texts(second) == ["c", "a"]


def test_a_sync_function_sees_each_request() -> None:
    llm = ScriptedLLM(answer=lambda r: f"{r.text} {r.index + 1}/{r.num_generations} #{r.seq}")
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]

    async def run() -> list[list[Completion]]:
        return [await llm.agenerate(chat, 2), await llm.agenerate("plain", 1)]

    first, second = asyncio.run(run())
    assert texts(first) == ["hello 1/2 #0", "hello 2/2 #0"]
    assert texts(second) == ["plain 1/1 #1"]
    assert [r.text for r in llm.requests] == ["hello", "hello", "plain"]
    assert llm.requests[0].prompt is chat and llm.requests[0].json_schema is None
    assert llm.counts == {"hello": 1, "plain": 1}


def test_an_async_function_is_awaited_and_may_return_a_completion() -> None:
    async def answer(request: Request) -> Completion:
        await asyncio.sleep(0)
        return Completion(request.text.upper(), model="member-7")

    [completion] = asyncio.run(ScriptedLLM(answer=answer).agenerate("shout"))
    assert completion == Completion("SHOUT", model="member-7")


def test_none_is_a_failed_request_counted_in_usage() -> None:
    llm = ScriptedLLM(answer=lambda r: None if r.text == "bad" else "fine", name="flaky")

    async def run() -> list[list[Completion]]:
        return [await llm.agenerate("good"), await llm.agenerate("bad")]

    good, bad = asyncio.run(run())
    assert texts(good) == ["fine"]
    assert bad == [Completion(None, error="flaky: scripted failure")]
    assert (llm.usage.requests, llm.usage.ok_requests, llm.usage.failed_requests) == (2, 1, 1)
    assert llm.usage.first_error == "flaky: scripted failure"
    assert llm.counts == {"good": 1, "bad": 1}  # a failed answer is still an answer


def test_a_raised_fatal_error_stops_the_run_and_is_not_counted() -> None:
    def answer(request: Request) -> str:
        if request.text == "q2":
            raise FatalLLMError("401 bad key")
        return f"a-{request.text}"

    llm = ScriptedLLM(answer=answer, task=TextGenerationTask())
    with pytest.raises(FatalLLMError, match="401 bad key"):
        asyncio.run(llm.agenerate("q2"))
    assert [r.text for r in llm.requests] == ["q2"]  # asked, never answered
    assert not llm.counts and llm.usage.requests == 0 and llm.in_flight == 0
    dataset = Dataset.from_dict({"input": ["q0", "q1"]})
    result = Pipeline(generator=llm).generate(dataset)
    assert result["generations"] == [["a-q0"], ["a-q1"]]
    assert result["generation_model"] == [["scripted"], ["scripted"]]


@pytest.mark.parametrize("structured", [True, False])
def test_the_structured_flag_decides_whether_judges_get_a_schema(structured: bool) -> None:
    def judge(request: Request) -> str:
        if request.json_schema is None:
            return "#### Output for Text 1\nRating: 2\nRationale: meh"
        assert "ratings" in request.json_schema["properties"]
        return json.dumps({"ratings": [{"rating": 5, "rationale": "good"}]})

    llm = ScriptedLLM(answer=judge, structured=structured, task=UltraFeedbackTask())
    assert llm.supports_structured_output is structured
    dataset = Dataset.from_dict({"input": ["q"], "generations": [["a"]]})
    result = Pipeline(labeller=llm).generate(dataset)
    assert result["rating"] == [[5.0 if structured else 2.0]]
    assert (llm.requests[0].json_schema is not None) is structured


def test_requests_go_through_the_slots() -> None:
    overlapping: list[int] = []

    async def answer(request: Request) -> str:
        overlapping.append(llm.in_flight)
        for _ in range(3):
            await asyncio.sleep(0)  # let the other requests pile up
        return "x"

    llm = ScriptedLLM(answer=answer, concurrency=3)

    async def many() -> list[list[Completion]]:
        return await asyncio.gather(*(llm.agenerate(f"q{i}") for i in range(20)))

    assert all(texts(c) == ["x"] for c in asyncio.run(many()))
    assert llm.peak == 3 and max(overlapping) == 3  # reached, never exceeded
    assert llm.in_flight == 0 and llm.usage.requests == 20
    assert sorted(r.seq for r in llm.requests) == list(range(20))
