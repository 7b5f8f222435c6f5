"""Datasets on the Hub through the real `huggingface_hub`/`datasets` clients.

The Hub cannot be reached from the test machines: `tests/hub_server.py` is a local stand-in
that speaks the Hub's real HTTP protocol (see its docstring).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import Dataset
from hub_fixtures import hub_env

from distilabel_cli import CustomDataset, UltraFeedbackTask
from distilabel_cli.dataset import load_dataset
from distilabel_cli.errors import DistilError


def rated_dataset() -> CustomDataset:
    data = Dataset.from_dict(
        {
            "input": ["a?", "b?"],
            "generations": [["x", "y"], ["z", "w"]],
            "rating": [[4.0, 2.0], [1.0, 5.0]],
            "rationale": [["good", "meh"], ["bad", "great"]],
        }
    )
    dataset = CustomDataset.from_dataset(data, UltraFeedbackTask.for_honesty())
    dataset.run_info = {
        "distil_version": "0.1.0",
        "spec": {"labeller": {"llm": {"type": "openai", "model": "judge", "api_key": "sk-x"}}},
        "report": {"rows": 2, "llms": [{"role": "labeller", "model": "judge"}], "cost": 0.5},
    }
    return dataset


def test_push_then_load_restores_data_task_and_card(hub, tmp_path: Path) -> None:
    dataset = rated_dataset()
    url = dataset.push_to_hub("tester/rated", private=True)
    assert url.endswith("/datasets/tester/rated")
    assert {"README.md", "distilabel-task.json", "distil-run.json"} <= set(
        hub.files("tester/rated")
    )
    loaded = load_dataset("tester/rated", split="train")
    assert loaded.to_list() == dataset.to_list()
    assert isinstance(loaded.task, UltraFeedbackTask) and loaded.task.aspect == "honesty"
    from huggingface_hub import hf_hub_download

    card = Path(hf_hub_download("tester/rated", "README.md", repo_type="dataset")).read_text()
    assert "size_categories:\n- n<1K" in card and "labeller_model: judge" in card
    assert "configs:" in card  # the data-files config written by `datasets` is kept
    assert "sk-x" not in card and "**********" in card
    run = json.loads(
        Path(hf_hub_download("tester/rated", "distil-run.json", repo_type="dataset")).read_text()
    )
    assert run["report"]["cost"] == 0.5


def test_loading_a_dataset_without_task_gives_none(hub) -> None:
    Dataset.from_dict({"input": ["q"]}).push_to_hub("tester/plain")
    loaded = load_dataset("tester/plain", split="train")
    assert loaded["input"] == ["q"] and loaded.task is None


def test_wrong_token_is_a_clear_error(hub) -> None:
    with pytest.raises(DistilError, match="pushing to the Hub repo 'tester/x' failed"):
        rated_dataset().push_to_hub("tester/x", token="wrong-token")


def test_push_hub_command_and_hub_input(hub_server, tmp_path: Path) -> None:
    """`distil push-hub` in a subprocess, then a spec whose input.path is the Hub id."""
    folder = tmp_path / "ds"
    rated_dataset().save_to_disk(folder)
    env = {**os.environ, **hub_env(hub_server, tmp_path / "home")}
    cmd = [sys.executable, "-m", "distilabel_cli"]
    pushed = subprocess.run(
        [*cmd, "push-hub", str(folder), "tester/cli", "--private"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed 2 rows to" in pushed.stdout
    missing = subprocess.run(
        [*cmd, "push-hub", str(tmp_path), "tester/cli"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert missing.returncode == 2 and "not a dataset folder saved by distil" in missing.stderr
    binarized = subprocess.run(
        [
            *cmd,
            "binarize",
            "tester/cli",
            "--strategy",
            "worst",
            "--output",
            str(tmp_path / "b"),
            "--push",
            "tester/cli-dpo",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert binarized.returncode == 0, binarized.stderr
    pairs = CustomDataset.load_from_disk(tmp_path / "b")
    assert pairs["rating_chosen"] == [4.0, 5.0]
    assert "pushed to" in binarized.stdout
    assert any(f.endswith(".parquet") for f in hub_server.files("tester/cli-dpo"))


def test_run_pushes_to_the_hub_when_the_spec_says_so(hub_server, tmp_path: Path) -> None:
    """`output.hub` in a spec: `distil run` (subprocess, embedded model) pushes at the end."""
    (tmp_path / "data.jsonl").write_text('{"input": "Say hi."}\n')
    (tmp_path / "spec.yaml").write_text(
        "input: {path: data.jsonl}\n"
        "generator:\n"
        "  llm: {type: llama-cpp, model: embedded, max_new_tokens: 4, seed: 1}\n"
        "  task: {type: text-generation}\n"
        "output: {path: out, hub: {repo_id: tester/from-run, private: true, license: apache-2.0}}\n"
    )
    env = {**os.environ, **hub_env(hub_server, tmp_path / "home")}
    result = distil_in(tmp_path, env, "run", "spec.yaml", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "pushed to" in result.stdout
    files = hub_server.files("tester/from-run")
    assert {"README.md", "distilabel-task.json", "distil-run.json"} <= set(files)
    card = hub_server.read("tester/from-run", "README.md").decode()
    assert "generator_model: SmolLM2-135M-Instruct" in card
    assert "license: apache-2.0" in card and "- sft" in card and "- text-generation" in card
    assert "spec.yaml" in files


def test_the_pushed_spec_runs_again_from_the_hub(hub_server, tmp_path: Path) -> None:
    """`distil run hf://datasets/REPO/spec.yaml` runs the spec a pushed dataset carries, with
    the token of a saved login (no HF_TOKEN in the environment)."""
    (tmp_path / "data.jsonl").write_text('{"input": "Say hi."}\n')
    (tmp_path / "spec.yaml").write_text(
        "input: {path: data.jsonl}\n"
        "generator:\n"
        "  llm: {type: llama-cpp, model: embedded, max_new_tokens: 4, seed: 1}\n"
        "  task: {type: text-generation}\n"
        "output: {path: out, hub: {repo_id: tester/rerun, private: true}}\n"
    )
    env = {**os.environ, **hub_env(hub_server, tmp_path / "home")}
    token = env.pop("HF_TOKEN")
    Path(env["HF_TOKEN_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    Path(env["HF_TOKEN_PATH"]).write_text(token)  # what `hf auth login` saves

    def distil_run(spec: str, *args: str) -> subprocess.CompletedProcess:
        return distil_in(tmp_path, env, "run", spec, "--no-progress", *args)

    first = distil_run("spec.yaml")
    assert first.returncode == 0, first.stderr
    again = distil_run(
        "hf://datasets/tester/rerun/spec.yaml", "--set", "output.hub=null", "--output", "again"
    )
    assert again.returncode == 0, again.stderr
    assert CustomDataset.load_from_disk(tmp_path / "again")["input"] == ["Say hi."]
    missing = distil_run("hf://datasets/tester/rerun/nope.yaml")
    assert missing.returncode == 2 and "no such file on the Hub" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_pushing_without_any_token_says_how_to_log_in(hub_server, tmp_path: Path) -> None:
    env = {**os.environ, **hub_env(hub_server, tmp_path / "home")}
    env.pop("HF_TOKEN")
    env.pop("HF_API_TOKEN", None)
    CustomDataset.save_to_disk(rated_dataset(), tmp_path / "d")
    result = distil_in(tmp_path, env, "push-hub", "d", "tester/no-token")
    assert result.returncode != 0 and "hf auth login" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("rows", "category"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (150_000, "100K<n<1M"),
        (1_000_000, "1M<n<10M"),
        (25_000_000, "10M<n<100M"),
        (3_000_000_000, "1B<n<10B"),
    ],
)
def test_size_categories_follow_the_hub_for_every_size(rows: int, category: str) -> None:
    from distilabel_cli.dataset.io.card import size_category

    assert size_category(rows) == category


def distil_in(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`distil ARGS` in `folder` with exactly `env` (a Hub stand-in's, maybe without token)."""
    command = [sys.executable, "-m", "distilabel_cli", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env, timeout=300)
