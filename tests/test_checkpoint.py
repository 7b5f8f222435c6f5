"""Checkpoints and resume through the real engine and the real on-disk format.

The LLMs are `ScriptedLLM`s, which count the requests they answer; crash tests
with real processes and a real HTTP server live in test_crash_resume.py.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset

from distilabel_cli import Pipeline, TextGenerationTask, UltraFeedbackTask
from distilabel_cli.dataset.checkpoint.store import (
    ROWS_FILE,
    CheckpointWriter,
    DatasetCheckpoint,
    read_checkpoint,
    start_checkpoint,
)
from distilabel_cli.errors import CheckpointMismatch, DistilError, FatalLLMError, RunAborted
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.tasks.base import Task


def question(text: str) -> str:
    """The row's question: the prompt itself, or the instruction a judge prompt quotes."""
    return text.split("## Instruction\n")[1].split("\n")[0] if "## Instruction\n" in text else text


def counting_llm(task: Task, fail_on: str | None) -> ScriptedLLM:
    """Deterministic answers; counts requests per prompt; fails fatally on one question."""

    def answer(request: Request) -> str:
        key = question(request.text)
        if key == fail_on:
            raise FatalLLMError(f"scripted failure on {key}")
        if request.json_schema is not None:
            n = request.json_schema["properties"]["ratings"]["minItems"]
            items = [{"rationale": f"r{k}", "rating": 1 + (len(key) + k) % 5} for k in range(n)]
            return json.dumps({"ratings": items})
        return f"{key} answer {request.index}"

    return ScriptedLLM(task=task, name="counting", answer=answer, structured=True, concurrency=1)


def asked(llm: ScriptedLLM) -> Counter[str]:
    """Answered requests per question."""
    return Counter(question(text) for text in llm.counts.elements())


ROWS = Dataset.from_dict({"input": [f"question {i}" for i in range(12)]})


def make_pipeline(fail_on: str | None = None, fail_labels_on: str | None = None) -> Pipeline:
    return Pipeline(
        generator=counting_llm(TextGenerationTask(), fail_on),
        labeller=counting_llm(UltraFeedbackTask(), fail_labels_on),
    )


def checkpoint(path: Path, **kwargs: Any) -> DatasetCheckpoint:
    return DatasetCheckpoint(path=path, save_frequency=3, **kwargs)


def test_resume_after_abort_equals_uninterrupted_run(tmp_path: Path) -> None:
    clean = make_pipeline().generate(ROWS, 2)

    broken = make_pipeline(fail_on="question 7")
    with pytest.raises(RunAborted):
        broken.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "ckpt"))
    done_before = set(broken.generator.counts)
    assert "question 0" in done_before and "question 7" not in done_before

    resumed = make_pipeline()
    result = resumed.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "ckpt"))
    assert result.to_list() == clean.to_list()  # same rows, same order, no duplicates
    saved = read_checkpoint(tmp_path / "ckpt")
    finished_before = {i for i, s in saved.stages.items() if s == {"g", "l"}}
    for index in finished_before:  # completed rows were not requested again
        if index < 7:
            assert f"question {index}" not in resumed.generator.counts
    assert resumed.last_report.rows_resumed >= 1
    assert sum(resumed.generator.counts.values()) + len(finished_before) >= 12


def test_row_with_generations_but_no_labels_resumes_at_labelling(tmp_path: Path) -> None:
    first = make_pipeline(fail_labels_on="question 4")
    with pytest.raises(RunAborted):
        first.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    saved = read_checkpoint(tmp_path / "c")
    assert saved.stages[4] == {"g"}  # generated, never labelled

    second = make_pipeline()
    result = second.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    assert "question 4" not in second.generator.counts  # generations reused
    assert asked(second.labeller)["question 4"] == 1  # only labelling asked again
    assert result.to_list() == make_pipeline().generate(ROWS, 2).to_list()


def test_complete_checkpoint_makes_no_request(tmp_path: Path) -> None:
    make_pipeline().generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    again = make_pipeline()
    result = again.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    assert not again.generator.counts and not again.labeller.counts
    assert len(result) == 12 and again.last_report.rows_resumed == 12


def test_changed_pipeline_is_refused_and_fresh_starts_over(tmp_path: Path) -> None:
    make_pipeline().generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    changed = make_pipeline()
    changed.generator.temperature = 0.1
    with pytest.raises(CheckpointMismatch) as info:
        changed.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    assert "different pipeline" in info.value.message
    assert info.value.details == ["changed: generator.temperature: 0.7 -> 0.1"]
    with pytest.raises(CheckpointMismatch) as info:
        make_pipeline().generate(ROWS, 3, checkpoint_strategy=checkpoint(tmp_path / "c"))
    assert info.value.details == ["changed: num_generations: 2 -> 3"]

    changed.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c", resume="fresh"))
    assert sum(changed.generator.counts.values()) == 12


def test_changed_input_rows_are_refused(tmp_path: Path) -> None:
    make_pipeline().generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    other = Dataset.from_dict({"input": [f"question {i}" for i in range(11)] + ["changed"]})
    with pytest.raises(CheckpointMismatch, match="input row 12"):
        make_pipeline().generate(other, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))


def test_shorter_and_longer_inputs_reuse_saved_rows(tmp_path: Path) -> None:
    make_pipeline().generate(
        ROWS.select(range(4)), 2, checkpoint_strategy=checkpoint(tmp_path / "c")
    )
    longer = make_pipeline()
    result = longer.generate(ROWS, 2, checkpoint_strategy=checkpoint(tmp_path / "c"))
    assert sorted(longer.generator.counts) == sorted(f"question {i}" for i in range(4, 12))
    assert result["input"] == ROWS["input"]


def test_require_without_checkpoint_fails(tmp_path: Path) -> None:
    with pytest.raises(DistilError, match="nothing to resume"):
        make_pipeline().generate(
            ROWS, 1, checkpoint_strategy=checkpoint(tmp_path / "none", resume="require")
        )


def test_torn_last_line_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    start_checkpoint(folder, {"fingerprint": {}})
    writer = CheckpointWriter(folder, save_frequency=2)
    writer.append(0, "h0", "g", {"generations": ["a"]})
    writer.append(1, "h1", "g", {"generations": ["b"]})
    writer.close()
    with (folder / ROWS_FILE).open("a") as handle:
        handle.write('{"i": 2, "h": "h2", "s": "g", "c": {"gener')  # a kill -9 mid-write
    saved = read_checkpoint(folder)
    assert sorted(saved.columns) == [0, 1]
    writer = CheckpointWriter(folder, save_frequency=2)
    writer.append(2, "h2", "g", {"generations": ["c"]})
    writer.close()
    saved = read_checkpoint(folder)
    assert saved.columns[2] == {"generations": ["c"]}
    assert len((folder / ROWS_FILE).read_text().splitlines()) == 3


def test_saves_are_appends_whose_cost_does_not_grow(tmp_path: Path) -> None:
    """Each save appends one line; the file is never rewritten."""
    folder = tmp_path / "c"
    start_checkpoint(folder, {"fingerprint": {}})
    writer = CheckpointWriter(folder, save_frequency=10)
    path = folder / ROWS_FILE
    sizes = []
    inode = None
    for i in range(10, 60):
        writer.append(i, f"h{i}", "g", {"generations": ["x" * 20]})
        writer.wait_written()
        stat = path.stat()
        inode = inode or stat.st_ino
        assert stat.st_ino == inode  # same file: appended, not replaced
        sizes.append(stat.st_size)
    writer.close()
    growth = {b - a for a, b in zip(sizes, sizes[1:], strict=False)}
    assert len(growth) == 1  # every save writes exactly one row's bytes
    assert writer.saves == 5


def test_a_folder_that_is_not_a_checkpoint_is_never_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    with pytest.raises(DistilError, match="is not a distil checkpoint"):
        make_pipeline().generate(ROWS, 1, checkpoint_strategy=checkpoint(folder))
    assert (folder / "keep.txt").read_text() == "keep"


def test_hf_hub_checkpoint_resumes_on_another_machine(hub, tmp_path: Path) -> None:
    """Pushes go to the local Hub stand-in (tests/hub_server.py) through the real client."""
    import shutil

    def hub_checkpoint(folder: Path, **kwargs: Any) -> DatasetCheckpoint:
        return DatasetCheckpoint(
            path=folder,
            save_frequency=3,
            strategy="hf-hub",
            extra_kwargs={"repo_id": "tester/ckpt"},
            **kwargs,
        )

    first = make_pipeline(fail_on="question 9")
    with pytest.raises(RunAborted):
        first.generate(ROWS, 2, checkpoint_strategy=hub_checkpoint(tmp_path / "machine-a"))
    parts = [f for f in hub.files("tester/ckpt") if f.startswith("checkpoint/rows-")]
    assert parts and "checkpoint/meta.json" in hub.files("tester/ckpt")
    shutil.rmtree(tmp_path / "machine-a")  # the preemptible machine is gone

    second = make_pipeline()
    result = second.generate(ROWS, 2, checkpoint_strategy=hub_checkpoint(tmp_path / "machine-b"))
    assert result.to_list() == make_pipeline().generate(ROWS, 2).to_list()
    assert second.last_report.rows_resumed >= 3
    assert "question 0" not in second.generator.counts  # restored from the Hub, not redone
    restored = read_checkpoint(tmp_path / "machine-b")
    assert sorted(restored.columns) == list(range(12))

    fresh = make_pipeline()
    fresh.generate(ROWS, 2, checkpoint_strategy=hub_checkpoint(tmp_path / "c", resume="fresh"))
    assert sum(fresh.generator.counts.values()) == 12


def test_hf_hub_checkpoint_needs_a_token(
    hub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_API_TOKEN", raising=False)
    strategy = DatasetCheckpoint(
        path=tmp_path / "c", strategy="hf-hub", extra_kwargs={"repo_id": "tester/x"}
    )
    with pytest.raises(DistilError, match="needs a Hugging Face token"):
        make_pipeline().generate(ROWS, 1, checkpoint_strategy=strategy)
