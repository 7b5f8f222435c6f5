"""The `inference-endpoints` backend: the real `huggingface_hub.AsyncInferenceClient` against
the real llama_cpp.server (OpenAI-compatible chat route) through `base_url`, a dedicated
endpoint resolved through a local stand-in of the Inference Endpoints API, and retries
against `flaky_server`. llama_cpp.server has no TGI `text_generation` route, so string
prompts are checked to fail with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import LlamaServer, free_port
from counting_server import answer_for
from datasets import Dataset
from flaky_server import Fault, FlakyServer

from distilabel_cli import (
    CustomDataset,
    InferenceEndpointsLLM,
    Pipeline,
    TextGenerationTask,
    UltraFeedbackTask,
)
from distilabel_cli.errors import DistilError, RunAborted


@pytest.fixture(autouse=True)
def hf_client_reaches_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest sets HF_HUB_OFFLINE, which blocks every huggingface_hub request, local ones
    too: lift it, with the Hub itself aimed at a closed local port and telemetry off."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{free_port()}")
    for name in ("HF_TOKEN", "HF_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def make_llm(server: LlamaServer, task: Any, **kwargs: Any) -> InferenceEndpointsLLM:
    return InferenceEndpointsLLM(
        task=task, base_url=server.base_url, token=server.api_key, **kwargs
    )


def test_chat_generations_through_base_url(llama_server: LlamaServer) -> None:
    llm = make_llm(llama_server, TextGenerationTask(), max_new_tokens=12, concurrency=4, seed=1)
    rows = Dataset.from_dict({"input": ["Hi", "Name a fruit."]})
    dataset = Pipeline(generator=llm).generate(rows, 2)
    for row in dataset:
        assert len(row["generations"]) == 2
        assert all(isinstance(g, str) and g for g in row["generations"])
        assert row["generation_model"] == [llama_server.base_url] * 2
        assert row["generation_prompt"][0][-1]["role"] == "user"
    assert llm.usage.requests == 4 and llm.usage.ok_requests == 4
    assert llm.usage.input_tokens > 4 * 10 and 0 < llm.usage.output_tokens <= 4 * 12


def test_judge_json_object_mode_enforces_the_schema_on_llama_cpp(
    llama_server: LlamaServer,
) -> None:
    """`json_object` sends the schema as `schema` (llama.cpp) and `value` (TGI)."""
    judge = make_llm(
        llama_server,
        UltraFeedbackTask.for_honesty(),
        max_new_tokens=200,
        temperature=0,
        structured_output="json_object",
    )
    data = Dataset.from_dict({"input": ["What is 2 + 2?"], "generations": [["4", "It is 5."]]})
    row = Pipeline(labeller=judge).generate(data)[0]
    assert json.loads(row["raw_labelling_response"])  # the whole answer is JSON
    assert all(r in {1.0, 2.0, 3.0, 4.0, 5.0} for r in row["rating"])
    assert row["labelling_model"] == llama_server.base_url


def test_judge_auto_mode_sends_json_schema_which_llama_cpp_accepts(
    llama_server: LlamaServer,
) -> None:
    """huggingface_hub turns `json_schema` into TGI's `json_object` + `value` for a URL;
    llama.cpp accepts it as JSON mode (without the schema), so nothing steps down."""
    judge = make_llm(
        llama_server, UltraFeedbackTask.for_honesty(), max_new_tokens=120, temperature=0
    )
    data = Dataset.from_dict({"input": ["Say hi."], "generations": [["hi", "hello"]]})
    row = Pipeline(labeller=judge).generate(data)[0]
    assert judge._ladder.mode == "json_schema"
    assert row["raw_labelling_response"].lstrip().startswith("{")
    assert len(row["rating"]) == 2  # aligned, whatever the tiny model wrote


def test_distil_run_from_yaml_with_the_token_from_env(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    """`distil run` end to end; the token (a ${VAR} in the YAML) is written nowhere."""
    (tmp_path / "data.jsonl").write_text('{"input": "Name a color."}\n{"input": "Hi"}\n')
    (tmp_path / "spec.yaml").write_text(
        f"""\
input: {{path: data.jsonl}}
generator:
  llm:
    type: inference-endpoints
    base_url: "{llama_server.base_url}"
    token: "${{HF_TOKEN}}"
    max_new_tokens: 6
    concurrency: 2
  task: {{type: text-generation}}
run: {{num_generations: 2}}
output: {{path: out/endpoints, formats: [jsonl]}}
"""
    )
    env = {
        **os.environ,
        "HF_TOKEN": llama_server.api_key,
        "HF_HUB_OFFLINE": "0",  # the client's requests go to 127.0.0.1 only:
        "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}",  # the Hub is a closed local port
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "distilabel_cli", "run", "spec.yaml", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    dataset = CustomDataset.load_from_disk(str(tmp_path / "out" / "endpoints"))
    assert dataset["generation_model"] == [[llama_server.base_url] * 2] * 2
    assert all(g for row in dataset["generations"] for g in row)
    written = [p for p in (tmp_path / "out" / "endpoints").rglob("*") if p.is_file()]
    assert written and all(llama_server.api_key.encode() not in p.read_bytes() for p in written)
    assert llama_server.api_key not in result.stdout + result.stderr


def test_string_prompts_need_tgi_and_say_so(llama_server: LlamaServer) -> None:
    llm = make_llm(llama_server, TextGenerationTask(prompt_format="zephyr"), max_new_tokens=4)
    with pytest.raises(RunAborted, match="text-generation route"):
        Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["Hi"]}))


def test_wrong_token_is_fatal(llama_server: LlamaServer) -> None:
    llm = InferenceEndpointsLLM(
        task=TextGenerationTask(), base_url=llama_server.base_url, token="wrong"
    )
    with pytest.raises(RunAborted, match="401"):
        Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["Hi"]}))


def test_429_5xx_and_dropped_connections_are_retried() -> None:
    faults = {"a": Fault(429, {"Retry-After": "0"}), "b": Fault(503), "c": Fault(0)}

    def plan(key: str, attempt: int, seq: int) -> Fault | None:
        return faults.get(key) if attempt == 0 else None

    with FlakyServer(plan) as server:
        llm = InferenceEndpointsLLM(
            task=TextGenerationTask(), base_url=server.base_url, concurrency=3
        )
        data = Pipeline(generator=llm).generate(Dataset.from_dict({"input": list("abcd")}))
    assert data["generations"] == [[answer_for(k, 0)] for k in "abcd"]
    assert [len(server.of(k)) for k in "abcd"] == [2, 2, 2, 1]
    assert llm.usage.retries == 3 and llm.usage.rate_limited == 1


class EndpointsAPI:
    """A local stand-in for the Inference Endpoints API: GET /endpoint/{namespace}/{name}."""

    def __init__(self, url: str | None, token: str) -> None:
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                api.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                authorised = self.headers.get("authorization") == f"Bearer {token}"
                status = 401 if not authorised else 200 if parts[0] == "endpoint" else 404
                body = json.dumps(api.describe(parts[-1], url) if status == 200 else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @staticmethod
    def describe(name: str, url: str | None) -> dict[str, Any]:
        when = "2024-01-01T00:00:00.000Z"
        return {
            "name": name,
            "type": "protected",
            "healthRoute": "/health",
            "model": {
                "repository": "HuggingFaceTB/SmolLM2-135M-Instruct",
                "framework": "pytorch",
                "revision": "main",
                "task": "text-generation",
            },
            "status": {
                "state": "running" if url else "paused",
                "url": url,
                "createdAt": when,
                "updatedAt": when,
            },
        }

    def __enter__(self) -> EndpointsAPI:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def running_endpoint(
    llama_server: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EndpointsAPI]:
    from huggingface_hub import constants

    with EndpointsAPI(llama_server.base_url, llama_server.api_key) as api:
        monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", api.url)
        yield api


def test_dedicated_endpoint_is_resolved_once_at_first_use(
    llama_server: LlamaServer, running_endpoint: EndpointsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", llama_server.api_key)
    llm = InferenceEndpointsLLM(
        task=TextGenerationTask(),
        endpoint_name="notus-7b",
        endpoint_namespace="argilla",
        max_new_tokens=6,
        concurrency=3,
    )
    assert running_endpoint.requests == []  # nothing looked up at construction
    assert llm.token == llama_server.api_key and llm.model_name == "notus-7b"
    data = Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["a", "b", "c"]}))
    assert running_endpoint.requests == ["/endpoint/argilla/notus-7b"]
    assert all(g[0] for g in data["generations"])
    assert data["generation_model"] == [["notus-7b"]] * 3


def test_a_paused_endpoint_stops_the_run_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from huggingface_hub import constants

    with EndpointsAPI(None, "tok") as api:
        monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", api.url)
        llm = InferenceEndpointsLLM(
            task=TextGenerationTask(), endpoint_name="e", endpoint_namespace="me", token="tok"
        )
        with pytest.raises(RunAborted, match="me/e is paused, not running"):
            Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["x"]}))
        assert api.requests == ["/endpoint/me/e"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "got none"),
        ({"model": "m", "base_url": "http://127.0.0.1:1"}, "got model, base_url"),
        ({"base_url": "http://127.0.0.1:1", "endpoint_namespace": "ns"}, "needs endpoint_name"),
    ],
)
def test_exactly_one_target(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(DistilError, match=message):
        InferenceEndpointsLLM(task=TextGenerationTask(), **kwargs)


def test_token_from_hf_api_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_API_TOKEN", "hf_from_env")
    llm = InferenceEndpointsLLM(task=TextGenerationTask(), model="HuggingFaceH4/zephyr-7b-beta")
    assert llm.token == "hf_from_env" and llm.model_name == "HuggingFaceH4/zephyr-7b-beta"
