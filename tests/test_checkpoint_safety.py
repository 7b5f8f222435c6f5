"""Checkpoints and outputs: never delete what is not ours, refuse before paying, one run per
checkpoint, corrupt files named, a checkpoint opens as a dataset, Python-worded hints.

Runs talk real HTTP to `counting_server.CountingServer` / `flaky_server.FlakyServer` (local
OpenAI-compatible servers speaking the real protocol) so that "before the first request" is
counted at the server.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import distil
from counting_server import CountingServer
from datasets import Dataset
from flaky_server import Fault, FlakyServer

from distilabel_cli.dataset.checkpoint.as_dataset import load_checkpoint_dataset
from distilabel_cli.dataset.checkpoint.lock import CheckpointLock
from distilabel_cli.dataset.checkpoint.session import resume_hint
from distilabel_cli.dataset.checkpoint.store import (
    LOCK_FILE,
    MARKER_FILE,
    ROWS_FILE,
    DatasetCheckpoint,
)
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.pipeline.core import Pipeline
from distilabel_cli.pipeline.engine import aborted
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask

SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: writer, base_url: "{url}", concurrency: 4, max_retries: 0}}
  task: {{type: text-generation}}
labeller:
  llm: {{type: openai, model: judge, base_url: "{url}", concurrency: 4, max_retries: 0}}
  task: {{type: ultrafeedback}}
run: {{num_generations: 2}}
output: {{path: {output}}}
checkpoint: {checkpoint}
"""


def setup_run(
    folder: Path, url: str, rows: int = 6, output: str = "out/data", checkpoint: str = "{}"
) -> None:
    lines = "".join(json.dumps({"input": f"question {i}"}) + "\n" for i in range(rows))
    (folder / "data.jsonl").write_text(lines)
    spec = SPEC.format(url=url, output=output, checkpoint=checkpoint)
    (folder / "spec.yaml").write_text(spec)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# -- never delete what is not ours -------------------------------------------------------


def test_fresh_never_deletes_a_folder_without_the_marker(tmp_path: Path) -> None:
    """A user's folder that happens to hold a meta.json is not a checkpoint."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "meta.json").write_text('{"author": "me"}')
    (mine / "notes.txt").write_text("precious")
    before = snapshot(mine)
    with CountingServer() as server:
        setup_run(tmp_path, server.base_url, checkpoint="{path: mine}")
        result = distil("run", "spec.yaml", "--fresh", "--no-progress", cwd=tmp_path)
        asked = sum(server.counts.values())
    assert result.returncode == 2, result.stderr
    assert "mine" in result.stderr and "not a distil checkpoint" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(mine) == before and asked == 0


def test_checkpoint_carries_the_marker_and_fresh_replaces_it(tmp_path: Path) -> None:
    with CountingServer() as server:
        setup_run(tmp_path, server.base_url)
        assert distil("run", "spec.yaml", "--no-progress", cwd=tmp_path).returncode == 0
        folder = tmp_path / "out" / "data.checkpoint"
        assert (folder / MARKER_FILE).is_file()
        again = distil("run", "spec.yaml", "--fresh", "--no-progress", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (folder / MARKER_FILE).is_file() and (folder / ROWS_FILE).is_file()


# -- check outputs before paying ---------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "checkpoint", "prepare", "message"),
    [
        ("mine", "{}", "folder", "is not a saved dataset"),
        ("afile", "{}", "file", "is a file"),
        ("afile/out", "{}", "file", "is a file, not a folder"),
        ("out/data", "{path: out/data}", None, "are the same folder"),
        ("out/data", "{path: afile}", "file", "is a file"),
    ],
)
def test_bad_destinations_are_refused_before_the_first_request(
    tmp_path: Path, output: str, checkpoint: str, prepare: str | None, message: str
) -> None:
    if prepare == "folder":
        (tmp_path / "mine").mkdir()
        (tmp_path / "mine" / "thesis.tex").write_text("do not touch")
    elif prepare == "file":
        (tmp_path / "afile").write_text("a file")
    with CountingServer() as server:
        setup_run(tmp_path, server.base_url, output=output, checkpoint=checkpoint)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        asked = sum(server.counts.values())
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert asked == 0
    if prepare == "folder":
        assert (tmp_path / "mine" / "thesis.tex").read_text() == "do not touch"


def test_failed_output_write_without_checkpoint_keeps_a_partial_copy(tmp_path: Path) -> None:
    """The output path turns into a file during the run: the rows go to `.partial`."""
    blocker = tmp_path / "out" / "data"

    def block_output(key: str, attempt: int, seq: int) -> Fault | None:
        if not blocker.exists():
            blocker.write_text("something else took this name")
        return None

    with FlakyServer(plan=block_output) as server:
        setup_run(tmp_path, server.base_url, checkpoint="{enabled: false}")
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    partial = tmp_path / "out" / "data.partial"
    assert blocker.read_text() == "something else took this name"
    assert str(partial.name) in result.stderr and "Traceback" not in result.stderr
    assert len(CustomDataset.load_from_disk(partial)) == 6


# -- one run per checkpoint --------------------------------------------------------------


def test_second_run_on_a_locked_checkpoint_is_refused_with_the_pid(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "data.checkpoint"
    folder.mkdir(parents=True)
    (folder / MARKER_FILE).touch()
    holder = subprocess.Popen(
        [
            "python",
            "-c",
            (
                "import sys, time\n"
                "from pathlib import Path\n"
                "from distilabel_cli.dataset.checkpoint.lock import CheckpointLock\n"
                f"CheckpointLock(Path({str(folder / LOCK_FILE)!r})).acquire()\n"
                "print('locked', flush=True)\n"
                "sys.stdin.read()\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with CountingServer() as server:
            setup_run(tmp_path, server.base_url)
            result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
            asked = sum(server.counts.values())
    finally:
        holder.communicate("")
    assert result.returncode == 2, result.stderr
    assert f"pid {holder.pid}" in result.stderr and asked == 0


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run(
        ["python", "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    folder = tmp_path / "out" / "data.checkpoint"
    folder.mkdir(parents=True)
    (folder / MARKER_FILE).touch()
    (folder / LOCK_FILE).write_text(dead.stdout)
    with CountingServer() as server:
        setup_run(tmp_path, server.base_url)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lock = CheckpointLock(folder / LOCK_FILE)
    lock.acquire()  # released when the run ended
    lock.release()


# -- corrupt checkpoints are named -------------------------------------------------------


def test_corrupt_checkpoint_line_and_meta_are_named(tmp_path: Path) -> None:
    with CountingServer() as server:
        setup_run(tmp_path, server.base_url)
        assert distil("run", "spec.yaml", "--no-progress", cwd=tmp_path).returncode == 0
        rows = tmp_path / "out" / "data.checkpoint" / ROWS_FILE
        lines = rows.read_text().splitlines(keepends=True)
        rows.write_text(lines[0] + "{not json\n" + "".join(lines[1:]))
        broken_line = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        (tmp_path / "out" / "data.checkpoint" / "meta.json").write_text("[1, 2")
        broken_meta = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert broken_line.returncode == 2
    assert "data.checkpoint/rows.jsonl:2: corrupt checkpoint line" in broken_line.stderr
    assert broken_meta.returncode == 2
    assert "meta.json: corrupt checkpoint meta file" in broken_meta.stderr
    for result in (broken_line, broken_meta):
        assert "unexpected" not in result.stderr and "Traceback" not in result.stderr


# -- engine errors are one clear line ----------------------------------------------------


def test_engine_errors_become_one_clear_line() -> None:
    disk = OSError(28, "No space left on device")
    disk.filename = "/data/ckpt/rows.jsonl"
    error = aborted(ExceptionGroup("rows", [disk, ValueError("later")]))
    assert isinstance(error, RunAborted)
    assert error.message == "/data/ckpt/rows.jsonl: No space left on device"
    nested = aborted(ExceptionGroup("a", [ExceptionGroup("b", [DistilError("bad url x")])]))
    assert nested.message == "bad url x"


# -- a checkpoint is a dataset -----------------------------------------------------------


def test_checkpoint_of_a_stopped_run_opens_as_the_finished_rows(tmp_path: Path) -> None:
    """The server dies after 20 requests; the checkpoint holds the rows finished so far, and
    `distil recover` and `load_from_disk` open it like the finished run's dataset."""

    def dies(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(503) if seq >= 20 else None

    with FlakyServer(plan=dies) as server:
        setup_run(tmp_path, server.base_url, rows=40)
        first = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert first.returncode == 1
    folder = tmp_path / "out" / "data.checkpoint"
    partial = load_checkpoint_dataset(folder)
    assert 0 < len(partial) < 40
    assert partial.column_names[:2] == ["input", "generation_model"]
    assert partial["generation_prompt"][0][0][-1]["content"].startswith("question")
    assert isinstance(partial.task, UltraFeedbackTask)
    recovered = distil(
        "recover", str(folder), "--output", "recovered", "--format", "jsonl", cwd=tmp_path
    )
    assert recovered.returncode == 0, recovered.stderr
    again = CustomDataset.load_from_disk(tmp_path / "recovered")
    assert again.to_list() == partial.to_list()
    assert (tmp_path / "recovered" / "data.jsonl").is_file()
    not_one = distil("recover", str(tmp_path), "--output", "x", cwd=tmp_path)
    assert not_one.returncode == 2 and "not a distil checkpoint" in not_one.stderr


# -- the Python API ----------------------------------------------------------------------


def python_pipeline(server: CountingServer, temperature: float = 0.7) -> Pipeline:
    llm = OpenAILLM(
        task=TextGenerationTask(), model="m", base_url=server.base_url, temperature=temperature
    )
    return Pipeline(generator=llm)


def test_checkpoint_strategy_true_is_the_default_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = Dataset.from_dict({"input": ["a", "b"]})
    with CountingServer() as server:
        result = python_pipeline(server).generate(data, checkpoint_strategy=True)
    assert len(result) == 2
    assert (tmp_path / DatasetCheckpoint().path / MARKER_FILE).is_file()


def test_python_errors_name_python_arguments(tmp_path: Path) -> None:
    data = Dataset.from_dict({"input": ["a", "b"]})
    checkpoint = DatasetCheckpoint(path=tmp_path / "ckpt")
    with CountingServer() as server:
        python_pipeline(server).generate(data, checkpoint_strategy=checkpoint)
        with pytest.raises(DistilError) as caught:
            python_pipeline(server, 0.1).generate(data, checkpoint_strategy=checkpoint)
    assert "resume='fresh'" in caught.value.message and "--fresh" not in caught.value.message
    assert resume_hint(DatasetCheckpoint(resume="fresh", from_cli=True)) == (
        "run the command again without --fresh to resume"
    )
    assert "--fresh" not in resume_hint(DatasetCheckpoint(resume="fresh"))


def test_labeller_with_a_generation_task_is_refused() -> None:
    writer = OpenAILLM(task=TextGenerationTask(), model="m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(DistilError, match="not a labeller"):
        Pipeline(generator=writer, labeller=writer)


# -- rows that cannot be sent ------------------------------------------------------------


def test_missing_and_null_inputs_are_not_sent(tmp_path: Path) -> None:
    rows = [{"input": "fine"}, {"input": None}, {"other": "x"}]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with CountingServer() as server:
        spec = SPEC.format(url=server.base_url, output="out/data", checkpoint="{}")
        (tmp_path / "spec.yaml").write_text(spec)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        asked = dict(server.counts)
    assert result.returncode == 0, result.stderr
    assert list(asked)[0] == "fine" and not any(k.startswith("None") for k in asked)
    assert len(asked) == 2  # one generation request and one judgement, for the first row
    dataset = CustomDataset.load_from_disk(tmp_path / "out" / "data")
    errors = [m["generation_errors"] for m in dataset["distil_metadata"]]
    assert errors == [[None, None]] + [["input column 'input' is missing or null"] * 2] * 2
    assert "4 not sent" in result.stdout  # 2 rows x 2 generations


def test_non_text_inputs_are_refused_per_row() -> None:
    data = Dataset.from_dict({"input": [1, 2]})
    with CountingServer() as server:
        result = python_pipeline(server).generate(data)
        asked = sum(server.counts.values())
    assert asked == 0
    reasons = [m["generation_errors"][0] for m in result["distil_metadata"]]
    assert reasons == ["input column 'input' holds a int, not text"] * 2
