"""Every shipped config in configs/ runs end to end with `--limit 2`.

Offline configs run on the embedded model; configs written for OpenAI-compatible servers
run against the real llama.cpp server (`--set` points them at it). Chains run in order,
the second step reading the first step's dataset. `gpu-pool.yaml` needs two GPUs and
model downloads, so it is validated (test_cli) but not run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, LlamaServer

from distilabel_cli import CustomDataset

GEN = ["generation_model", "generation_prompt", "raw_generation_responses"]
LAB = ["labelling_model", "labelling_prompt", "raw_labelling_response"]

#: config -> (the step it reads, columns it must add, the task class restored from disk)
OFFLINE: dict[str, tuple[str | None, list[str], str]] = {
    "quickstart": (None, [*GEN, "generations", *LAB, "rating", "rationale"], "UltraFeedbackTask"),
    "self-instruct-1-instructions": (None, [*GEN, "instructions"], "SelfInstructTask"),
    "self-instruct-2-answers": (
        "self-instruct-1-instructions",
        [*GEN, "generations", *LAB, "rating", "rationale"],
        "JudgeLMTask",
    ),
    "evol-instruct-1-evolve": (
        None,
        [*GEN, "instructions", *LAB, "rating"],
        "ComplexityScorerTask",
    ),
    "evol-instruct-2-answers": (
        "evol-instruct-1-evolve",
        [*GEN, "generations", *LAB, "rating", "areas"],
        "UltraJudgeTask",
    ),
    "evol-complexity": (None, [*GEN, "instructions"], "EvolComplexityTask"),
    "evol-quality": (None, [*GEN, "generations", *LAB, "rating"], "QualityScorerTask"),
    "critique": (None, [*LAB, "critique", "score"], "UltraCMTask"),
    "prometheus": (None, [*GEN, "generations", *LAB, "critique", "score"], "PrometheusTask"),
    "prometheus-relative": (
        None,
        [*GEN, "generations", *LAB, "critique", "rating"],
        "PrometheusTask",
    ),
    "custom": (None, [*GEN, "generations", *LAB, "reason", "score"], "CustomTask"),
}


#: First steps of a chain get more tries, so that the 135M model's output leaves the next
#: step at least one usable instruction (failed evolutions are None and are not exploded).
MORE_TRIES = {
    "self-instruct-1-instructions": ["--limit", "3"],
    "evol-instruct-1-evolve": ["--limit", "4", "--set", "run.num_generations=3"],
}


def run_config(
    name: str, out: Path, *args: str, env: dict[str, str] | None = None
) -> CustomDataset:
    limit = MORE_TRIES.get(name, ["--limit", "2"])
    result = subprocess.run(
        [sys.executable, "-m", "distilabel_cli", "run", f"configs/{name}.yaml"]
        + [*limit, "--output", str(out / name), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return CustomDataset.load_from_disk(out / name)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("configs")


@pytest.mark.parametrize("name", sorted(OFFLINE))  # file-name order runs chains in order
def test_offline_config_runs(name: str, outputs: Path) -> None:
    reads, added, task_name = OFFLINE[name]
    args = ["--set", f"input.path={outputs / reads}"] if reads else []
    dataset = run_config(name, outputs, *args)
    assert len(dataset) == (2 if name not in MORE_TRIES else int(MORE_TRIES[name][1]))
    columns = dataset.column_names
    assert columns[-1] == "distil_metadata"
    assert columns[-1 - len(added) : -1] == added
    assert type(dataset.task).__name__ == task_name
    for row in dataset:  # every request was answered; a row not sent says why
        errors = row["distil_metadata"]
        if "raw_generation_responses" in added:
            assert all(row["raw_generation_responses"]), errors
        if "raw_labelling_response" in added:
            assert row["raw_labelling_response"] or errors["labelling_error"], errors


def test_offline_configs_cover_every_task_type() -> None:
    import yaml

    from distilabel_cli.tasks import TASK_TYPES as _REGISTRY

    used = set()
    for name in OFFLINE:
        spec = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
        used |= {spec[s]["task"]["type"] for s in ("generator", "labeller") if s in spec}
    assert used == set(_REGISTRY)


def test_server_configs_run_against_a_real_server(llama_server: LlamaServer, outputs: Path) -> None:
    """openai-server.yaml and preference-preset.yaml, pointed at the llama.cpp server."""
    env = {"OPENAI_API_KEY": llama_server.api_key, "GEN_URL": llama_server.base_url}
    env["GEN_MODEL"] = llama_server.model
    judge = [
        "--set",
        f"labeller.llm.base_url={llama_server.base_url}",
        "--set",
        f"labeller.llm.model={llama_server.model}",
        "--set",
        "labeller.llm.max_new_tokens=300",
    ]
    served = run_config(
        "openai-server", outputs, *judge, "--set", "generator.llm.max_new_tokens=32", env=env
    )
    assert served["labelling_model"] == [llama_server.model] * 2
    assert all(len(r) == 2 for r in served["rating"])
    preset = run_config("preference-preset", outputs, *judge, env=env)
    assert preset.task.aspect == "text-quality"
    assert preset["labelling_model"] == [llama_server.model] * 2
