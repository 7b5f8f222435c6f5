"""ProcessLLM and LLMPool: real llama.cpp models in real spawned children, GPU pins, crashes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from datasets import Dataset, load_from_disk
from pool_helpers import (
    PIN,
    load_barrier,
    load_embedded,
    load_missing_model,
    load_pin_reporting,
    load_then_die,
)

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.errors import DistilError, FatalLLMError, SpecError
from distilabel_cli.llms.pool import BalancedSampler, LLMPool
from distilabel_cli.llms.process import ProcessLLM
from distilabel_cli.llms.scripted import ScriptedLLM
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.engine import EngineHooks
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.spec.loader import load_spec

EMBEDDED = "SmolLM2-135M-Instruct"


def questions(n: int) -> Dataset:
    return Dataset.from_dict({"input": [f"Say a word ({i})." for i in range(n)]})


@pytest.mark.timeout(120)
def test_three_llama_cpp_children_see_their_pinned_gpus() -> None:
    pins = [[0], [1, 2], None]
    members = [
        ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_pin_reporting, gpus=gpus)
        for gpus in pins
    ]
    pool = LLMPool(llms=members, seed=0)
    try:
        result = Pipeline(generator=pool).generate(questions(2), num_generations=3)
        pids = [m.pid for m in members]
        environs = [Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") for pid in pids]
    finally:
        pool.close()
    seen = [
        f"{EMBEDDED}|{PIN}=0|import=0",
        f"{EMBEDDED}|{PIN}=1,2|import=1,2",
        f"{EMBEDDED}|{PIN}={os.environ.get(PIN)}|import={os.environ.get(PIN)}",
    ]
    for row in result:
        assert sorted(row["generation_model"]) == sorted(seen)
        assert all(text is not None for text in row["generations"])
    # set in the environment the child's interpreter started with, not later
    assert f"{PIN}=0".encode() in environs[0]
    assert f"{PIN}=1,2".encode() in environs[1]
    assert len({os.getpid(), *pids}) == 4
    assert os.environ.get(PIN) is None or os.environ.get(PIN) not in {"0", "1,2"}


@pytest.mark.timeout(60)
def test_requests_overlap_in_the_child_event_loop() -> None:
    llm = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_barrier)
    try:
        assert llm.concurrency == 0 and llm.model_name == "barrier"
        assert llm.concurrency == 3  # mirrored from the child's LLM

        async def three() -> list:
            return await asyncio.gather(*(llm.agenerate("q", 1) for _ in range(3)))

        answers = asyncio.run(three())
    finally:
        llm.close()
    assert [a[0].text for a in answers] == ["overlapped 3"] * 3


def test_rows_draw_distinct_members_equally_often_and_reproducibly() -> None:
    def run(seed: int) -> tuple[list[list[str]], list[ScriptedLLM]]:
        members = [ScriptedLLM(task=TextGenerationTask(), name=n) for n in "abc"]
        pool = LLMPool(llms=members, seed=seed)
        result = Pipeline(generator=pool).generate(questions(60), num_generations=2)
        return result["generation_model"], members

    models, members = run(seed=7)
    assert all(len(set(row)) == 2 for row in models)  # distinct members within a row
    assert Counter(m for row in models for m in row) == {"a": 40, "b": 40, "c": 40}
    assert [m.usage.requests for m in members] == [40, 40, 40]
    assert len({tuple(sorted(row)) for row in models}) == 3  # every pair occurs
    assert run(seed=7)[0] == models
    assert run(seed=8)[0] != models


def test_more_generations_than_members_are_spread_evenly() -> None:
    sampler = BalancedSampler(3, seed=1)
    plans = [sampler.draw(5) for _ in range(30)]
    assert all(sorted(plan.values()) == [1, 2, 2] for plan in plans)
    totals = Counter()
    for plan in plans:
        totals.update(plan)
    assert totals == {0: 50, 1: 50, 2: 50}


def test_labeller_pool_rates_each_row_with_one_member_in_turn() -> None:
    judge = '{"ratings": [{"rating": 4, "rationale": "fine"}]}'
    members = [ScriptedLLM(task=UltraFeedbackTask(), name=n, answer=judge) for n in "xyz"]
    dataset = Dataset.from_dict({"input": ["q"] * 9, "generations": [["a"]] * 9})
    result = Pipeline(labeller=LLMPool(llms=members, seed=3)).generate(dataset)
    assert Counter(result["labelling_model"]) == {"x": 3, "y": 3, "z": 3}
    assert result["rating"] == [[4.0]] * 9


def test_pool_members_must_share_the_task() -> None:
    """The pool itself is task-agnostic; the 0.6 facade (a stage made from the members'
    `task=`) refuses members that disagree, and an explicit Stage names the task."""
    members = [
        ScriptedLLM(task=TextGenerationTask(), name="a"),
        ScriptedLLM(task=TextGenerationTask(system_prompt="Be terse."), name="b"),
    ]
    pool = LLMPool(llms=members)
    with pytest.raises(DistilError, match="must share the same task: member 0 has"):
        Pipeline(generator=pool)
    terse = TextGenerationTask(system_prompt="Be terse.")
    assert Pipeline(generator=Stage(terse, pool)).stage("generator").task is terse


@pytest.mark.timeout(120)
def test_a_member_killed_mid_run_fails_its_rows_and_the_run_finishes() -> None:
    members = [
        ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_embedded, label=f"member {i}")
        for i in range(2)
    ]
    pool = LLMPool(llms=members, seed=0)
    names = pool.member_names()  # loads both children
    dead_pid = members[1].pid
    before_kill: list[int] = []

    def on_generated(index: int, columns: dict) -> None:
        if not before_kill or before_kill[-1] < 3:
            before_kill.append(index)
            if index == 3:
                os.kill(dead_pid, signal.SIGKILL)

    pipeline = Pipeline(generator=pool)
    try:
        result = pipeline.generate(
            questions(12), num_generations=2, hooks=EngineHooks(on_generated=on_generated)
        )
    finally:
        pool.close()
    assert names == [f"{EMBEDDED}#0", f"{EMBEDDED}#1"]
    dead = names[1]
    assert len(result) == 12
    for index in before_kill:
        assert None not in result[index]["generations"]
    failed = [
        (i, m)
        for i, row in enumerate(result)
        for m, g in zip(row["generation_model"], row["generations"], strict=True)
        if g is None
    ]
    assert failed and {m for _, m in failed} == {dead}
    assert (11, dead) in failed  # requested after the kill
    expected = "member 1: its child process (pid {}) exited with code -9 (SIGKILL)"
    assert pipeline.last_report.llms[0].usage.first_error == expected.format(dead_pid)
    assert members[0].usage.failed_requests == 0


@pytest.mark.timeout(60)
def test_load_failures_are_clear_errors_at_first_use() -> None:
    missing = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_missing_model)
    died = ProcessLLM(task=TextGenerationTask(), load_llm_fn=load_then_die, label="gen.llm")
    try:
        with pytest.raises(DistilError) as error:
            _ = missing.model_name
        assert error.value.message == (
            "ProcessLLM(load_missing_model): loading the LLM failed: "
            "FileNotFoundError: no model at /nowhere/model.gguf"
        )
        with pytest.raises(FatalLLMError, match="FileNotFoundError: no model"):
            asyncio.run(missing.agenerate("q"))
        with pytest.raises(DistilError, match=r"gen\.llm: .* exited with code 3 while loading"):
            _ = died.model_name
    finally:
        missing.close()
        died.close()
    with pytest.raises(DistilError, match="load_llm_fn must be picklable"):
        ProcessLLM(task=TextGenerationTask(), load_llm_fn=lambda task: None).start()


POOL_SPEC = """\
input: {path: data.jsonl}
generator:
  pool:
    - {llm: {type: llama-cpp, model: embedded, seed: 1, max_new_tokens: 4, n_threads: 1}, gpus: [0]}
    - {llm: {type: llama-cpp, model: MODEL2, seed: 2, max_new_tokens: 4, n_threads: 1}}
  task: {type: text-generation}
run: {num_generations: 2, seed: 42}
output: {path: out}
"""


def write_pool_spec(folder: Path, model2: str) -> Path:
    rows = [{"input": f"Say a word ({i})."} for i in range(3)]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = folder / "pool.yaml"
    spec.write_text(POOL_SPEC.replace("MODEL2", model2))
    return spec


def distil_run(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distilabel_cli", "run", "pool.yaml", "--no-progress"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.timeout(150)
def test_yaml_pool_runs_end_to_end_and_names_who_wrote_what(tmp_path: Path) -> None:
    write_pool_spec(tmp_path, "embedded")
    result = distil_run(tmp_path)
    assert result.returncode == 0, result.stderr
    data = load_from_disk(str(tmp_path / "out"))
    assert len(data) == 3
    for row in data:
        assert sorted(row["generation_model"]) == [f"{EMBEDDED}#0", f"{EMBEDDED}#1"]
        assert all(isinstance(g, str) for g in row["generations"])


@pytest.mark.timeout(60)
def test_yaml_pool_member_that_cannot_load_names_its_path(tmp_path: Path) -> None:
    write_pool_spec(tmp_path, "missing.gguf")
    result = distil_run(tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: generator.pool[1].llm: loading the LLM failed: "
        "llama-cpp model file not found: missing.gguf\n"
    )


def test_a_stage_needs_exactly_one_of_llm_and_pool(tmp_path: Path) -> None:
    spec = tmp_path / "both.yaml"
    member = "{type: llama-cpp, model: embedded}"
    spec.write_text(
        f"input: {{path: data.jsonl}}\noutput: {{path: out}}\ngenerator:\n"
        f"  llm: {member}\n  pool: [{{llm: {member}}}]\n  task: {{type: text-generation}}\n"
    )
    with pytest.raises(SpecError) as error:
        load_spec(spec)
    assert error.value.details == [f"{spec}:3 generator: give either llm or pool (exactly one)"]
    conflicting = tmp_path / "gpus.yaml"
    conflicting.write_text(
        "input: {path: data.jsonl}\noutput: {path: out}\ngenerator:\n  pool:\n"
        "    - {llm: {type: llama-cpp, gpus: [1]}, gpus: [0]}\n  task: {type: text-generation}\n"
    )
    with pytest.raises(SpecError) as error:
        load_spec(conflicting)
    assert (
        "generator.pool[0]: gpus is set here and in llm with different values"
        in (error.value.details[0])
    )


def test_gpus_on_an_llm_runs_it_in_a_pinned_child_process(tmp_path: Path) -> None:
    spec = tmp_path / "pinned.yaml"
    spec.write_text(
        "input: {path: data.jsonl}\noutput: {path: out}\ngenerator:\n"
        "  llm: {type: llama-cpp, gpus: [1], concurrency: 2}\n  task: {type: text-generation}\n"
    )
    pipeline = build_pipeline(load_spec(spec)[0])  # builds only: no child is started
    generator = pipeline.generator
    assert isinstance(generator, ProcessLLM) and generator.pid is None
    assert (generator.gpus, generator.concurrency, generator.label) == ([1], 2, "generator.llm")
