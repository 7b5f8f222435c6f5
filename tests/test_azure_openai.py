"""`type: azure-openai` against a local server speaking Azure OpenAI's URL scheme, through the
real `openai` SDK (`AsyncAzureOpenAI`): deployment routing, api-version, key or Entra token."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset
from openai_protocol_server import ProtocolServer

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import DistilError
from distilabel_cli.llms.openai_azure import DEFAULT_API_VERSION, AzureOpenAILLM
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.redact import redact
from distilabel_cli.spec.loader import load_spec

KEY = "azure-key-0123456789"
TOKEN = "entra-token-abcdefghij"


@pytest.fixture(autouse=True)
def no_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)


def test_requests_go_to_the_deployment_with_api_version_and_key() -> None:
    with ProtocolServer() as server:
        llm = AzureOpenAILLM(
            task=TextGenerationTask(),
            model="gpt-4o-mini",
            deployment="my-deploy",
            endpoint=server.root,
            api_version="2024-10-21",
            api_key=KEY,
            max_new_tokens=32,
            concurrency=2,
        )
        out = Pipeline(generator=llm).generate(Dataset.from_dict({"input": ["a", "b"]}))
    assert out["generations"] == [["w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11"]] * 2
    assert len(server.seen) == 2
    for seen in server.seen:
        assert seen.path == "/openai/deployments/my-deploy/chat/completions"
        assert seen.query["api-version"] == ["2024-10-21"]
        assert seen.headers["api-key"] == KEY
        assert "authorization" not in seen.headers
        assert seen.body["max_tokens"] == 32
    assert llm.usage.failed_requests == 0 and llm.model_name == "gpt-4o-mini"


def test_entra_token_endpoint_and_version_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ProtocolServer() as server:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root)
        monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
        judge = AzureOpenAILLM(task=UltraFeedbackTask.for_honesty(), model="o4-mini")
        rows = Dataset.from_dict({"input": ["q"], "generations": [["x", "y"]]})
        labelled = Pipeline(labeller=judge).generate(rows)
    (seen,) = server.seen
    assert seen.path == "/openai/deployments/o4-mini/chat/completions"  # deployment = model
    assert seen.query["api-version"] == [DEFAULT_API_VERSION]
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert "max_completion_tokens" in seen.body and "max_tokens" not in seen.body
    assert seen.body["response_format"]["json_schema"]["strict"] is True
    assert len(labelled[0]["rating"]) == 2 and None not in labelled[0]["rating"]
    assert TOKEN not in redact(f"error echoing {TOKEN}")  # registered as a secret


def test_missing_endpoint_or_credentials_name_the_variables() -> None:
    with pytest.raises(DistilError, match="AZURE_OPENAI_ENDPOINT"):
        AzureOpenAILLM(task=TextGenerationTask(), model="m", api_key=KEY)
    with pytest.raises(DistilError, match="AZURE_OPENAI_API_KEY or AZURE_OPENAI_AD_TOKEN"):
        AzureOpenAILLM(task=TextGenerationTask(), model="m", endpoint="https://x.invalid")


def test_yaml_type_azure_openai_builds_the_llm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    (tmp_path / "data.jsonl").write_text('{"input": "hi"}\n')
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(
        "input: {path: data.jsonl}\n"
        "generator:\n"
        "  llm: {type: azure-openai, model: gpt-4o, endpoint: 'https://r.openai.azure.com',\n"
        "        deployment: prod-4o, api_version: 2025-01-01-preview}\n"
        "  task: {type: text-generation}\n"
        "output: {path: out}\n"
    )
    spec, _ = load_spec(spec_path)
    llm = build_pipeline(spec).generator
    assert isinstance(llm, AzureOpenAILLM)
    assert (llm.deployment, llm.api_version, llm.api_key) == ("prod-4o", "2025-01-01-preview", KEY)
