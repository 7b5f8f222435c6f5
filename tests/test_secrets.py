"""Secrets echoed back are scrubbed: `redact()` and the places distil prints or stores text.

The end-to-end tests run `distil run` against `echo_key_server.EchoKeyServer`, a real
OpenAI-compatible HTTP server on 127.0.0.1 that refuses every request with an error body
quoting the caller's key, and read every byte distil printed or wrote.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from cli_helpers import distil
from datasets import Dataset
from echo_key_server import EchoKeyServer

from distilabel_cli import CustomDataset, InferenceEndpointsLLM, OpenAILLM, TextGenerationTask
from distilabel_cli.dataset.io.card import dataset_card
from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.pool import LLMPool
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.build_pool import build_process_llm
from distilabel_cli.redact import (
    MASK,
    redact,
    redact_data,
    register_llm_secrets,
    register_secret,
    register_spec_secrets,
    register_url_credentials,
)
from distilabel_cli.spec.llms import LLM_SPECS
from distilabel_cli.spec.models import PipelineSpec


def fresh(prefix: str = "sk-") -> str:
    """A secret no other test registered (the registry is process-wide)."""
    return f"{prefix}{secrets.token_hex(12)}"


# --- redact() ---------------------------------------------------------------------------


def test_plain_secret_is_masked_and_other_text_kept() -> None:
    key = fresh()
    register_secret(key)
    text = f"AuthenticationError: HTTP 401: invalid api key {key}. Check it."
    assert redact(text) == f"AuthenticationError: HTTP 401: invalid api key {MASK}. Check it."
    assert redact("nothing secret here") == "nothing secret here"


def test_url_encoded_forms_are_masked() -> None:
    key = fresh("pa/ss+word=") + "&x y"
    register_secret(key)
    for form in (quote(key, safe=""), quote_plus(key, safe="")):
        assert form != key
        assert redact(f"GET /v1?key={form}&n=1") == f"GET /v1?key={MASK}&n=1"


def test_json_escaped_form_is_masked_and_json_stays_valid() -> None:
    key = fresh('tok"en\\') + "\u00e9"
    register_secret(key)
    ascii_body = json.dumps({"error": f"bad key {key}"})
    for body in (ascii_body, json.dumps({"error": key}, ensure_ascii=False)):
        assert key not in body  # only the escaped form is in the text
        decoded = json.loads(redact(body))  # still valid JSON
        assert key not in decoded["error"] and MASK in decoded["error"]
    assert json.loads(redact(json.dumps({"error": f"bad key {key}"}))) == {
        "error": f"bad key {MASK}"
    }
    assert redact(repr(f"bad key {key}")) == repr(f"bad key {MASK}")


def test_credentials_in_a_url_are_masked_with_their_basic_auth_header() -> None:
    password = fresh("hunter2-")
    url = f"https://alice:{password}@example.org/v1"
    register_url_credentials(f"base_url: {url}")
    assert redact(f"not found at {url}") == f"not found at https://alice:{MASK}@example.org/v1"
    header = base64.b64encode(f"alice:{password}".encode()).decode()
    assert redact(f"Authorization: Basic {header}") == f"Authorization: Basic {MASK}"


def test_percent_encoded_url_password_is_masked_in_both_forms() -> None:
    password = fresh("p@ss/")
    url = f"https://bob:{quote(password, safe='')}@example.org"
    register_url_credentials(url)
    assert password not in redact(f"{url} and {password}")
    assert redact(url) == f"https://bob:{MASK}@example.org"


def test_several_secrets_overlapping_ones_fully_masked() -> None:
    short = fresh()
    long_ = short + "tail42"  # the first is a prefix of the second
    other = fresh("hf_")
    for value in (short, long_, other):
        register_secret(value)
    text = f"a={short} b={long_} c={other}"
    assert redact(text) == f"a={MASK} b={MASK} c={MASK}"
    assert redact_data({"errors": [text, None], "n": 3}) == {
        "errors": [f"a={MASK} b={MASK} c={MASK}", None],
        "n": 3,
    }


def test_short_empty_and_placeholder_values_are_not_secrets() -> None:
    for value in ("abc12", "", None, "   ", "not-needed", "EMPTY", MASK):
        register_secret(value)
    text = "abc12 not-needed EMPTY ********** and words"
    assert redact(text) == text


# --- registering the secrets of specs and LLMs ---------------------------------------------


def spec_with(llm: dict, **extra: object) -> PipelineSpec:
    return PipelineSpec.model_validate(
        {
            "input": {"path": "data.jsonl"},
            "generator": {"llm": llm, "task": {"type": "text-generation"}},
            "output": {"path": "out"},
            **extra,
        }
    )


def test_spec_secrets_secretstr_url_credentials_and_default_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, token, password, env_key = fresh(), fresh("hf_"), fresh("pw-"), fresh()
    monkeypatch.setenv("ARGILLA_API_KEY", env_key)
    spec = spec_with(
        {"type": "openai", "model": "m", "api_key": key},
        labeller={
            "llm": {
                "type": "inference-endpoints",
                "base_url": f"http://u:{password}@127.0.0.1:9/",
                "token": token,
            },
            "task": {"type": "ultrafeedback"},
        },
    )
    register_spec_secrets(spec)
    text = f"{key} {token} {password} {env_key}"
    assert redact(text) == " ".join([MASK] * 4)


def test_llm_construction_and_pool_members_register_their_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env_key, given_key, hf_token, member_key = fresh(), fresh(), fresh("hf_"), fresh()
    monkeypatch.setenv("OPENAI_API_KEY", env_key)
    task = TextGenerationTask()
    OpenAILLM(task=task, model="m")  # the key read from the environment
    OpenAILLM(task=task, model="m", api_key=given_key)
    assert redact(f"{env_key} {given_key}") == f"{MASK} {MASK}"

    register_llm_secrets(InferenceEndpointsLLM(task=task, model="m", token=hf_token))
    assert redact(hf_token) == MASK

    # a pool member in a child process: only its spec knows the key (no child is started)
    spec = LLM_SPECS["openai"](type="openai", model="m", api_key=member_key, gpus=[0])
    pool = LLMPool(llms=[build_process_llm(spec, task, "generator.pool[0].llm")])
    assert redact(member_key) == member_key
    register_llm_secrets(pool)
    assert redact(member_key) == MASK


def test_build_pipeline_registers_the_spec_secrets() -> None:
    key, password = fresh(), fresh("pw-")
    spec = spec_with(
        {"type": "openai", "model": "m", "api_key": key, "base_url": f"http://me:{password}@h/v1"}
    )
    assert redact(key) == key
    build_pipeline(spec)
    assert redact(f"{key} http://me:{password}@h/v1") == f"{MASK} http://me:{MASK}@h/v1"


def test_log_records_of_distil_loggers_are_redacted(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = fresh()
    register_secret(key)
    caplog.set_level(logging.INFO)
    for name in ("distilabel_cli", "distilabel_cli.argilla"):
        logging.getLogger(name).info("server said %s", f"bad key {key}")
        try:
            raise ValueError(f"echoed {key}")
        except ValueError:
            logging.getLogger(name).exception("failed with %r", key)
    assert len(caplog.records) == 4
    assert key not in caplog.text
    assert caplog.text.count(MASK) >= 6  # two messages, two exception arguments, two traces
    assert caplog.records[0].getMessage() == f"server said bad key {MASK}"


def test_dataset_card_masks_echoed_keys_and_url_passwords() -> None:
    key, password = fresh(), fresh("pw-")
    register_secret(key)
    url = f"http://carol:{password}@127.0.0.1:9/v1"
    run_info = {
        "spec": {"generator": {"llm": {"type": "openai", "base_url": url, "api_key": MASK}}},
        "report": {"rows": 1, "llms": [{"role": "generation", "model": f"m ({key})"}]},
    }
    dataset = CustomDataset.from_dataset(Dataset.from_dict({"input": ["x"]}), None, run_info)
    card = dataset_card(dataset, "me/data")
    assert key not in card and password not in card
    assert f"http://carol:{MASK}@127.0.0.1:9/v1" in card


def test_openai_error_strings_are_scrubbed_in_process() -> None:
    key = fresh("sk-proj-")

    async def ask(llm: OpenAILLM) -> list[Completion]:
        try:
            return await llm.agenerate([{"role": "user", "content": "hi"}])
        finally:
            await llm.aclose()

    with EchoKeyServer() as server:
        llm = OpenAILLM(
            task=TextGenerationTask(), model="echo-400", base_url=server.base_url, api_key=key
        )
        [completion] = asyncio.run(ask(llm))
    assert server.authorizations == [f"Bearer {key}"]  # the server did get (and echo) it
    assert completion.error is not None and key not in completion.error
    assert "BadRequestError: HTTP 400: Incorrect API key provided: " + MASK in completion.error
    assert llm.usage.first_error is not None and key not in llm.usage.first_error


# --- end to end: `distil run` ------------------------------------------------------------

SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm:
    type: openai
    model: {model}
    base_url: "{base_url}"
{key_line}  task: {{type: text-generation}}
output: {{path: out/echo, formats: [jsonl]}}
"""


def workdir(tmp_path: Path, model: str, base_url: str, key_line: str = "") -> Path:
    rows = [{"input": f"Say {i}."} for i in range(3)]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = SPEC.format(model=model, base_url=base_url, key_line=key_line)
    (tmp_path / "echo.yaml").write_text(spec)
    return tmp_path


def everything_written(result, folder: Path) -> bytes:  # noqa: ANN001 - CompletedProcess
    """stdout, stderr and the bytes of every file under `folder` (outputs, checkpoint)."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return b"\n".join(
        [result.stdout.encode(), result.stderr.encode(), *(p.read_bytes() for p in files)]
    )


def assert_scrubbed(written: bytes, *values: str) -> None:
    for value in values:
        for form in {value, quote(value, safe=""), json.dumps(value)[1:-1]}:
            assert form.encode() not in written, f"{form!r} leaked"
    assert MASK.encode() in written  # the echoed error was kept, masked


def test_run_with_key_from_variable_scrubs_a_fatal_401(tmp_path: Path) -> None:
    key = fresh("sk-live-")
    with EchoKeyServer() as server:
        folder = workdir(tmp_path, "echo-401", server.base_url, "    api_key: ${ECHO_KEY}\n")
        result = distil("run", "echo.yaml", "--debug", cwd=folder, env={"ECHO_KEY": key})
    assert result.returncode == 1, result.stderr
    assert f"Bearer {key}" in server.authorizations
    assert "AuthenticationError" in result.stderr and "Incorrect API key provided" in result.stderr
    assert_scrubbed(everything_written(result, folder), key)


def test_run_with_url_credentials_scrubs_a_fatal_404(tmp_path: Path) -> None:
    password = fresh("pw-")
    with EchoKeyServer() as server:
        url = server.base_url.replace("http://", "http://alice:${ECHO_PASS}@")
        folder = workdir(tmp_path, "echo-404", url)
        result = distil("run", "echo.yaml", cwd=folder, env={"ECHO_PASS": password})
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    assert result.returncode == 1, result.stderr
    assert server.authorizations[0] == f"Basic {basic}"  # URL credentials: basic auth
    assert "not found at http://alice:**********@127.0.0.1" in result.stderr
    assert_scrubbed(everything_written(result, folder), password, basic)


@pytest.mark.parametrize("credential", ["api_key", "base_url"])
def test_run_with_failing_rows_keeps_no_secret_in_outputs(tmp_path: Path, credential: str) -> None:
    """400s fail every row (not fatal): errors go to distil_metadata, the checkpoint and the
    run record, and the spec (with its base_url) to the run record."""
    secret = fresh("sk-live-" if credential == "api_key" else "pw-")
    with EchoKeyServer() as server:
        if credential == "api_key":
            folder = workdir(tmp_path, "echo-400", server.base_url, "    api_key: ${SECRET}\n")
        else:
            url = server.base_url.replace("http://", "http://alice:${SECRET}@")
            folder = workdir(tmp_path, "echo-400", url)
        result = distil("run", "echo.yaml", cwd=folder, env={"SECRET": secret})
    assert len(server.authorizations) >= 3  # every row was sent and refused
    assert any(p.is_file() for p in (folder / "out").rglob("*")), result.stderr
    assert_scrubbed(everything_written(result, folder), secret)
