"""The `openai` backend against a real OpenAI-compatible server (llama_cpp.server)."""

from __future__ import annotations

import pytest
from conftest import LlamaServer, free_port
from datasets import Dataset

from distilabel_cli import OpenAILLM, Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import DistilError, RunAborted


def make_llm(server: LlamaServer, task, **kwargs) -> OpenAILLM:
    return OpenAILLM(
        task=task, model=server.model, base_url=server.base_url, api_key=server.api_key, **kwargs
    )


def test_generations_fall_back_to_separate_requests_when_n_is_ignored(
    llama_server: LlamaServer,
) -> None:
    """llama_cpp.server returns one choice whatever `n` says: the rest come from new requests."""
    llm = make_llm(llama_server, TextGenerationTask(), max_new_tokens=12, concurrency=2)
    pipeline = Pipeline(generator=llm)
    dataset = pipeline.generate(Dataset.from_dict({"input": ["Hi", "Name a fruit."]}), 2)
    assert llm._n_supported is False
    for row in dataset:
        assert len(row["generations"]) == 2
        assert all(isinstance(g, str) and g for g in row["generations"])
        assert row["generation_model"] == [llama_server.model] * 2
    assert llm.usage.requests == 4 and llm.usage.failed_requests == 0
    assert llm.usage.output_tokens > 0


def test_judge_steps_down_to_the_json_mode_the_server_accepts(llama_server: LlamaServer) -> None:
    """The server refuses `json_schema` and accepts `json_object` + schema: ratings parse."""
    judge = make_llm(
        llama_server, UltraFeedbackTask.for_honesty(), max_new_tokens=200, temperature=0
    )
    dataset = Dataset.from_dict({"input": ["What is 2 + 2?"], "generations": [["4", "It is 5."]]})
    labelled = Pipeline(labeller=judge).generate(dataset)
    assert judge._ladder.mode == "json_object"
    row = labelled[0]
    assert row["raw_labelling_response"].lstrip().startswith("{")
    assert all(r in {1.0, 2.0, 3.0, 4.0, 5.0} for r in row["rating"])
    assert row["labelling_prompt"][0]["role"] == "system"


def test_judge_in_text_mode_parses_the_classic_format(llama_server: LlamaServer) -> None:
    judge = make_llm(
        llama_server,
        UltraFeedbackTask.for_helpfulness(),
        max_new_tokens=120,
        temperature=0,
        structured_output="none",
    )
    dataset = Dataset.from_dict({"input": ["Say hi."], "generations": [["hi", "hello"]]})
    labelled = Pipeline(labeller=judge).generate(dataset)
    row = labelled[0]
    assert "#### Output for Text 1" in row["labelling_prompt"][-1]["content"]
    assert len(row["rating"]) == 2  # aligned, whatever the tiny model managed to write
    report = judge.usage
    assert report.requests == 1 and report.failed_requests == 0


def test_string_prompt_formats_use_the_completions_endpoint(llama_server: LlamaServer) -> None:
    llm = make_llm(llama_server, TextGenerationTask(prompt_format="zephyr"), max_new_tokens=8)
    dataset = Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["Hello"]}))
    assert dataset[0]["generation_prompt"][0].startswith("<|system|>\n")
    assert dataset[0]["raw_generation_responses"][0] is not None


def test_construction_makes_no_network_call_and_a_dead_server_aborts_the_run() -> None:
    port = free_port()  # nothing listens there
    llm = OpenAILLM(
        task=TextGenerationTask(),
        model="any",
        base_url=f"http://127.0.0.1:{port}/v1",
        max_retries=0,
        concurrency=4,
    )
    assert llm.model_name == "any"  # built without contacting anything
    rows = Dataset.from_dict({"input": [f"q{i}" for i in range(30)]})
    with pytest.raises(RunAborted, match="all failed") as info:
        Pipeline(generator=llm).generate(rows)
    assert llm.usage.requests < 30  # the circuit breaker stopped early
    assert "APIConnectionError" in (llm.usage.first_error or "")
    partial = info.value.dataset
    assert len(partial) < 30  # rows finished before the abort, their failures kept as None
    assert all(g == [None] for g in partial["generations"])


def test_wrong_api_key_is_fatal(llama_server: LlamaServer) -> None:
    llm = OpenAILLM(
        task=TextGenerationTask(),
        model=llama_server.model,
        base_url=llama_server.base_url,
        api_key="wrong",
        max_new_tokens=4,
    )
    with pytest.raises(RunAborted, match="AuthenticationError"):
        Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["Hi"]}))


def test_missing_api_key_without_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(DistilError, match="OPENAI_API_KEY"):
        OpenAILLM(task=TextGenerationTask(), model="gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert OpenAILLM(task=TextGenerationTask(), model="gpt-4o-mini").api_key == "sk-from-env"
