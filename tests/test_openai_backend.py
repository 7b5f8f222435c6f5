"""The `openai` backend against a real OpenAI-compatible server (llama_cpp.server), and its
protocol details against `openai_protocol_server.py` (both clients: lean aiohttp and SDK)."""

from __future__ import annotations

import asyncio

import pytest
from conftest import LlamaServer, free_port
from datasets import Dataset
from openai_protocol_server import ProtocolServer

from distilabel_cli import OpenAILLM, Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.llms.openai import strict_ready

KEY = "sk-protocol-test-key"


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


# --- protocol details against tests/openai_protocol_server.py (no model needed) ---


def quick_llm(server: ProtocolServer, task=None, sdk: bool = False, **kwargs) -> OpenAILLM:
    llm = OpenAILLM(
        task=task or TextGenerationTask(), base_url=server.base_url, api_key=KEY, **kwargs
    )
    llm._use_sdk = sdk
    return llm


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_base_url_organization_and_project_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, sdk: bool
) -> None:
    with ProtocolServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_ORG_ID", "org-123")
        monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-456")
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        llm = OpenAILLM(task=TextGenerationTask(), model="m")  # no key needed: a base URL
        llm._use_sdk = sdk
        Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["a"]}))
    (seen,) = server.seen
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["openai-organization"] == "org-123"
    assert seen.headers["openai-project"] == "proj-456"
    assert llm.usage.ok_requests == 1


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_requests_go_through_the_proxy_of_the_environment(
    monkeypatch: pytest.MonkeyPatch, sdk: bool
) -> None:
    """The 'proxy' is the test server: it answers what it is sent, so the absolute URL in the
    request line proves the request went through it to the (unresolvable) host."""
    with ProtocolServer() as proxy:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.root)
        monkeypatch.setenv("http_proxy", proxy.root)
        llm = OpenAILLM(
            task=TextGenerationTask(), model="m", base_url="http://api.example.invalid/v1"
        )
        llm._use_sdk = sdk
        Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["a"]}))
    (seen,) = proxy.seen
    assert seen.target == "http://api.example.invalid/v1/chat/completions"
    assert llm.usage.ok_requests == 1


def test_reasoning_models_get_max_completion_tokens() -> None:
    with ProtocolServer(refuse_max_tokens=True) as server:
        for model in ("o3-mini", "gpt-5-mini", "openai/o1"):
            llm = quick_llm(server, model=model, max_new_tokens=40)
            Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["a"]}))
            assert llm.usage.failed_requests == 0
    assert [s.status for s in server.seen] == [200, 200, 200]
    assert all(s.body["max_completion_tokens"] == 40 for s in server.seen)


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_a_400_refusing_max_tokens_switches_once_and_is_remembered(sdk: bool) -> None:
    with ProtocolServer(refuse_max_tokens=True) as server:
        llm = quick_llm(server, sdk=sdk, model="my-reasoner", max_new_tokens=40, concurrency=1)
        rows = Dataset.from_dict({"input": [f"q{i}" for i in range(5)]})
        out = Pipeline(generator=llm).generate(rows)
    assert [s.status for s in server.seen] == [400, 200, 200, 200, 200, 200]
    assert all("max_completion_tokens" in s.body for s in server.seen[1:])
    assert None not in [g[0] for g in out["generations"]]
    assert llm.usage.failed_requests == 0 and llm._token_param == "max_completion_tokens"


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_sampling_options_a_reasoning_model_refuses_are_dropped_once_with_a_warning(
    sdk: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """OpenAI's reasoning models answer 400 to a non-default temperature or any top_p; the
    LLM stops sending what was refused, says so once, and loses no item."""
    with ProtocolServer(defaults_only=True) as server:
        llm = quick_llm(
            server, sdk=sdk, model="my-reasoner", temperature=0.7, top_p=0.9, concurrency=1
        )
        rows = Dataset.from_dict({"input": [f"q{i}" for i in range(4)]})
        with caplog.at_level("WARNING", logger="distilabel_cli.llms"):
            out = Pipeline(generator=llm).generate(rows)
    assert [s.status for s in server.seen] == [400, 400, 200, 200, 200, 200]
    assert all("temperature" not in s.body and "top_p" not in s.body for s in server.seen[2:])
    assert None not in [g[0] for g in out["generations"]]
    assert llm.usage.failed_requests == 0
    warnings = [r.getMessage() for r in caplog.records if "refuses" in r.getMessage()]
    assert len(warnings) == 2
    assert "temperature=0.7" in warnings[0] and "top_p=0.9" in warnings[1]


def test_a_refusal_of_something_else_is_not_taken_for_a_sampling_option() -> None:
    """A 400 naming an option distil did not send fails the item as before (no loop)."""
    from distilabel_cli.llms.http import APIStatusError
    from distilabel_cli.llms.openai import _refused_param

    refusal = "Unsupported value: 'temperature' does not support 0.7 with this model."
    exc = APIStatusError(400, refusal, {}, "unsupported_value")
    assert _refused_param(exc, {"temperature": 0.7}) == "temperature"
    assert _refused_param(exc, {"model": "m"}) is None  # already dropped: not again
    other = APIStatusError(400, "Unsupported value: 'reasoning_effort' ...", {}, None)
    assert _refused_param(other, {"reasoning_effort": "x"}) is None


def test_judges_send_strict_schemas_and_drop_strict_when_refused() -> None:
    rows = Dataset.from_dict({"input": ["q1", "q2"], "generations": [["x", "y"], ["z", "w"]]})
    with ProtocolServer() as server:
        judge = quick_llm(server, UltraFeedbackTask.for_honesty(), model="m", concurrency=1)
        Pipeline(labeller=judge).generate(rows)
    assert all(s.body["response_format"]["json_schema"]["strict"] is True for s in server.seen)
    with ProtocolServer(refuse_strict=True) as server:
        judge = quick_llm(server, UltraFeedbackTask.for_honesty(), model="m", concurrency=1)
        labelled = Pipeline(labeller=judge).generate(rows)
    statuses = [s.status for s in server.seen]
    assert statuses == [400, 200, 200]
    assert "strict" not in server.seen[1].body["response_format"]["json_schema"]
    assert judge._ladder.mode == "json_schema" and judge.usage.failed_requests == 0
    assert all(None not in r for r in labelled["rating"])


def test_strict_is_sent_only_for_closed_schemas() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert strict_ready({**closed, "additionalProperties": False})
    assert not strict_ready(closed)  # extra keys allowed: strict would be refused
    nested = {"type": "array", "items": {**closed, "required": []}}
    assert not strict_ready({**closed, "additionalProperties": False, "properties": {"a": nested}})


@pytest.mark.parametrize("sdk", [False, True], ids=["lean", "sdk"])
def test_finish_reason_is_recorded_and_truncations_counted(sdk: bool) -> None:
    with ProtocolServer() as server:
        short = quick_llm(server, sdk=sdk, model="m", max_new_tokens=4)
        long = quick_llm(server, sdk=sdk, model="m", max_new_tokens=100)

        async def ask() -> list:
            try:
                cut = await short.agenerate([{"role": "user", "content": "a"}], 2)
                whole = await long.agenerate([{"role": "user", "content": "a"}], 1)
            finally:
                await short.aclose()
                await long.aclose()
            return cut + whole

        cut1, cut2, whole = asyncio.run(ask())
    assert (cut1.text, cut1.finish_reason, cut2.finish_reason) == (
        "w0 w1 w2 w3",
        "length",
        "length",
    )
    assert whole.finish_reason == "stop" and whole.text.endswith("w11")
    assert (short.usage.truncated, long.usage.truncated) == (2, 0)
