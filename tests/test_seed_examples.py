"""The Python examples of distilabel 0.6's pipelines guide (../shared/seed/pipelines.md),
run as written, one script each (tests/seed_examples/), in a fresh interpreter.

Adapted only where they reach hosted services: `local(...)` / `embedded(...)`
(tests/seed_examples/seed_local.py) put the embedded model in place of Inference Endpoints
and vLLM, and the local OpenAI-compatible counting server in place of OpenAI; the Hub is
the local stand-in (tests/hub_server.py), Argilla the real local server. Each script says
what else it adapts, and imports from `distilabel_cli.*` where 0.6 had `distilabel.*`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argilla_fixtures import ArgillaServer, argilla_server_fixture  # noqa: F401
from counting_server import CountingServer
from datasets import Dataset
from hub_fixtures import hub_env, patch_hub_endpoint
from hub_server import HubServer
from test_binarize import CONTRACT_COLUMNS

from distilabel_cli import CustomDataset, EvolInstructTask

EXAMPLES = Path(__file__).resolve().parent / "seed_examples"
EMBEDDED = "SmolLM2-135M-Instruct"
#: What the guide prints for its generator example (distil adds `distil_metadata`).
GUIDE_COLUMNS = ["input", "generation_model", "generation_prompt", "raw_generation_responses"]
ORGS = ("HuggingFaceH4", "argilla", "username")


@pytest.fixture(scope="module")
def openai_server() -> Iterator[CountingServer]:
    with CountingServer() as server:
        yield server


@pytest.fixture(scope="module")
def seed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """The local Hub with the datasets the guide loads (a few rows of each shape)."""
    with HubServer(tmp_path_factory.mktemp("seed-hub"), orgs=ORGS) as server:
        with pytest.MonkeyPatch.context() as patch:
            patch_hub_endpoint(patch, server, tmp_path_factory.mktemp("seed-hub-home"))
            instructions = Dataset.from_list(
                [
                    {"prompt": p, "completion": "...", "meta": {"category": "Generation"}}
                    for p in ("Write a haiku about tea.", "Name two planets.", "Say hello.")
                ]
            )
            instructions.push_to_hub("HuggingFaceH4/instruction-dataset", split="test")
            Dataset.from_list(ORCA_ROWS).push_to_hub("argilla/distilabel-intel-orca-dpo-pairs")
            evol = Dataset.from_dict({"input": ["Say hi."], "instructions": [["Say hi twice."]]})
            CustomDataset.from_dataset(evol, EvolInstructTask()).push_to_hub(
                "argilla/distilabel-sample-evol-instruct"
            )
        yield server


def orca_row(index: int, rating: list[float] | None) -> dict[str, Any]:
    """A row shaped like argilla/distilabel-intel-orca-dpo-pairs."""
    return {
        "system": f"system {index}",
        "input": f"question {index}",
        "chosen": "an older chosen",
        "rejected": "an older rejected",
        "generations": [f"answer {index}a", f"answer {index}b"],
        "order": ["chosen", "rejected"],
        "labelling_model": "gpt-4-1106-preview",
        "labelling_prompt": [{"role": "user", "content": "rate"}],
        "raw_labelling_response": "9 7\nbecause",
        "rating": rating,
        "rationale": f"rationale {index}",
        "status": "unchanged",
        "in_gsm8k_train": False,
    }


ORCA_RATINGS = [[9.0, 7.0], [6.0, 6.0], [8.0, 10.0], None, [5.0, 5.0], [3.0, 9.0]]
ORCA_ROWS = [orca_row(i, r) for i, r in enumerate(ORCA_RATINGS)]


def run_example(
    name: str, cwd: Path, hub: HubServer, openai: CountingServer, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run tests/seed_examples/NAME.py; its `report(...)` lines, parsed."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        cwd=cwd,
        env={
            **os.environ,
            **hub_env(hub, cwd / "hf-home"),
            "LOCAL_OPENAI_URL": openai.base_url,
            "OPENAI_API_KEY": "sk-local-test",  # read by the examples; never sent anywhere
            **env,
        },
        capture_output=True,
        text=True,
        timeout=540,
    )
    reports = [
        json.loads(line.removeprefix("SEED-RESULT "))
        for line in result.stdout.splitlines()
        if line.startswith("SEED-RESULT ")
    ]
    return result, reports


def empty_admin_workspace(server: ArgillaServer) -> Any:
    """An owner's client, with the guide's workspace "admin" there and no
    "preference-dataset" in it (both Argilla examples push that name)."""
    import argilla as rg

    client = rg.Argilla(api_url=server.api_url, api_key=server.owner_key)
    if client.workspaces("admin") is None:
        rg.Workspace(name="admin", client=client).create()
    existing = client.datasets(name="preference-dataset", workspace="admin")
    if existing is not None:
        existing.delete()
    return client


def assert_ran(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    for noise in ("Traceback", "Exception ignored", "Unclosed client session"):
        assert noise not in result.stderr, result.stderr[-3000:]


@pytest.fixture
def run(tmp_path: Path, seed_hub: HubServer, openai_server: CountingServer) -> Any:
    def runner(name: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
        return run_example(name, tmp_path, seed_hub, openai_server, **env)

    return runner


@pytest.mark.timeout(300)
def test_generator(run: Any) -> None:
    result, [report] = run("generator")
    assert_ran(result)
    assert report["columns"] == [*GUIDE_COLUMNS, "generations", "distil_metadata"]
    assert report["rows"] == 1 and report["prompt_format"] == "notus"
    assert len(report["generations"]) == 2
    assert all(isinstance(g, str) and g for g in report["generations"])
    assert "num_rows: 1" in result.stdout


@pytest.mark.timeout(300)
def test_labeller(run: Any) -> None:
    result, [report] = run("labeller")
    assert_ran(result)
    first = report["first"]
    assert first["input"] == "Describe the capital of Spain in 25 words."
    assert first["generations"] == ["Santo Domingo is the capital of Dominican Republic"]
    assert len(first["rating"]) == 1 and 1.0 <= first["rating"][0] <= 5.0
    assert len(first["rationale"]) == 1 and isinstance(first["rationale"][0], str)
    assert report["rows"] == 2 and report["labelling_model"] == "gpt-4"


@pytest.mark.timeout(300)
def test_generator_and_labeller(run: Any) -> None:
    result, [report] = run("generator_and_labeller")
    assert_ran(result)
    assert len(report["generations"]) == len(report["rating"]) == len(report["rationale"]) == 3
    assert all(1.0 <= r <= 5.0 for r in report["rating"])
    assert report["system"].startswith("<|system|>\nYou are an expert writer of XKCD")
    assert "RATING: " in result.stdout and "RATIONALE: " in result.stdout


@pytest.mark.timeout(540)
def test_process_llm_pool_script_without_main_guard(
    run: Any, argilla_server: ArgillaServer
) -> None:
    client = empty_admin_workspace(argilla_server)
    result, [report] = run(
        "process_llm_pool",
        ARGILLA_API_URL=argilla_server.api_url,
        ARGILLA_API_KEY=argilla_server.owner_key,
    )
    assert_ran(result)
    members = {f"{EMBEDDED}#{i}" for i in range(4)}
    assert report["rows"] == 3 and len(set(report["pids"])) == 4
    for models, ratings in zip(report["models"], report["ratings"], strict=True):
        assert len(set(models)) == 2 and set(models) <= members  # two distinct members
        assert len(ratings) == 2
    pushed = client.datasets(name="preference-dataset", workspace="admin")
    assert pushed is not None and len(list(pushed.records)) == 3


@pytest.mark.timeout(300)
def test_checkpoint_on_disk_then_load_from_disk(run: Any, tmp_path: Path) -> None:
    result, reports = run("checkpoint_disk")
    assert_ran(result)
    assert reports[0] == {"step": "generated", "rows": 10}
    assert (tmp_path / "checkpoint_folder" / ".distil-checkpoint").is_file()
    reloaded = reports[1]
    assert reloaded["rows"] == 10 and reloaded["task"] == "TextGenerationTask"
    assert [len(g) for g in reloaded["generations"]] == [1] * 10


@pytest.mark.timeout(300)
def test_checkpoint_to_the_hub(run: Any, seed_hub: HubServer) -> None:
    result, [report] = run("checkpoint_hub")
    assert_ran(result)
    assert report["rows"] == 3 and all(len(g) == 1 for g in report["generations"])
    assert seed_hub.files("username/dataset-name")  # the checkpoint was pushed


@pytest.mark.timeout(300)
def test_preset_pipeline(run: Any) -> None:
    result, reports = run("preset_pipeline")
    assert_ran(result)
    assert reports[0] == {
        "step": "built",
        "labeller": ["gpt-3.5-turbo", "text-quality", 0.0],
        "concurrency": 2,
    }
    generated = reports[1]
    assert generated["rows"] == 3 and len(generated["rating"]) == 2


@pytest.mark.timeout(300)
def test_argilla_integration(run: Any, argilla_server: ArgillaServer) -> None:
    client = empty_admin_workspace(argilla_server)
    result, [report] = run(
        "argilla_integration",
        ARGILLA_API_URL=argilla_server.api_url,
        ARGILLA_API_KEY=argilla_server.owner_key,
    )
    assert_ran(result)
    pushed = client.datasets(name="preference-dataset", workspace="admin")
    assert report["records"] == 2 and len(list(pushed.records)) == 2


@pytest.mark.timeout(300)
def test_binarization(run: Any) -> None:
    result, [report] = run("binarization")
    assert_ran(result)
    rated = [r for r in ORCA_RATINGS if r]
    untied = [r for r in rated if r[0] != r[1]]
    assert report["rows"] == len(ORCA_ROWS)
    assert report["random"] == report["worst"] == [len(rated), len(untied)]
    assert report["columns"][:9] == [
        *CONTRACT_COLUMNS,
        "chosen_rationale",
        "rejected_rationale",
    ]
    assert report["columns"][9:] == ["system", "order", "status", "in_gsm8k_train"]
    first = report["worst_first"]
    assert (first["prompt"], first["system"]) == ("question 0", "system 0")
    assert (first["rating_chosen"], first["rating_rejected"]) == (9.0, 7.0)
    assert first["chosen"][1]["content"] == "answer 0a"
    assert first["chosen_rationale"] == first["rejected_rationale"] == "rationale 0"


@pytest.mark.timeout(300)
def test_custom_dataset_on_the_hub(run: Any, seed_hub: HubServer) -> None:
    result, [report] = run("hub_task")
    assert_ran(result)
    assert report["task"].startswith("EvolInstructTask(")
    assert "aspect='honesty'" in report["pushed_task"] and report["pushed_rows"] == 1
    assert "distilabel-task.json" in seed_hub.files("username/hub")
