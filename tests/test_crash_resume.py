"""Kill `distil run` mid-run (SIGINT, SIGKILL), run it again, and check nothing is lost or redone.

`distil run` runs in a real subprocess against a counting OpenAI-compatible HTTP server;
the server's counters prove which requests were sent again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import interruptible
from counting_server import CountingServer

from distilabel_cli import CustomDataset
from distilabel_cli.dataset.checkpoint.store import ROWS_FILE, read_checkpoint

ROWS = 40
SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: writer, base_url: "{url}", concurrency: 4}}
  task: {{type: text-generation}}
labeller:
  llm: {{type: openai, model: judge, base_url: "{url}", concurrency: 4}}
  task: {{type: ultrafeedback}}
run: {{num_generations: 2}}
checkpoint: {{save_frequency: 5}}
output: {{path: out/{name}}}
"""


def distil_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "distilabel_cli", *args]


def write_spec(workdir: Path, server: CountingServer, name: str) -> Path:
    if not (workdir / "data.jsonl").exists():
        rows = "".join(json.dumps({"input": f"question {i}"}) + "\n" for i in range(ROWS))
        (workdir / "data.jsonl").write_text(rows)
    spec = workdir / f"{name}.yaml"
    spec.write_text(SPEC.format(url=server.base_url, name=name))
    return spec


def wait_for_saved_lines(path: Path, lines: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"distil exited early: {process.communicate()}")
        if path.is_file() and path.read_text().count("\n") >= lines:
            return
        time.sleep(0.01)  # real wait, watching another process make progress (noqa: real-wait)
    raise AssertionError("no progress within 60 s")


def run_to_end(workdir: Path, spec: Path, *extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        distil_cmd("run", spec.name, "--no-progress", *extra),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_killed_run_resumes_exactly(tmp_path: Path, sig: signal.Signals) -> None:
    with CountingServer(delay=0.05) as server:
        clean_spec = write_spec(tmp_path, server, "clean")
        # the reference run stores nothing in the request cache: the run below pays for all
        run_to_end(tmp_path, clean_spec, "--set", "checkpoint.enabled=false", "--no-cache")
        clean = CustomDataset.load_from_disk(tmp_path / "out" / "clean").to_list()
        server.counts.clear()

        spec = write_spec(tmp_path, server, "crash")
        rows_file = tmp_path / "out" / "crash.checkpoint" / ROWS_FILE
        process = subprocess.Popen(
            distil_cmd("run", spec.name, "--no-progress"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=interruptible,
        )
        wait_for_saved_lines(rows_file, 12, process)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        if sig == signal.SIGINT:
            assert process.returncode == 130
            assert "interrupted:" in stderr and "run the same command again to resume" in stderr
            assert "Traceback" not in stderr
        else:
            assert process.returncode == -signal.SIGKILL

        saved = read_checkpoint(rows_file.parent)
        finished = {i for i, stages in saved.stages.items() if stages == {"g", "l"}}
        assert 0 < len(finished) < ROWS
        assert not (tmp_path / "out" / "crash").exists()  # no final dataset yet

        resumed = run_to_end(tmp_path, spec)
        assert f"({len(finished)} resumed from the checkpoint)" in resumed.stdout

    result = CustomDataset.load_from_disk(tmp_path / "out" / "crash").to_list()
    assert result == clean  # same rows, same order, no duplicates
    for index in finished:  # completed rows were never requested again
        assert server.counts[f"question {index}"] == 1
    judge_requests = sum(c for key, c in server.counts.items() if key.startswith("# Rating task"))
    assert judge_requests <= ROWS + 8  # at most the labelling requests in flight were redone
    assert sum(server.counts[f"question {i}"] for i in range(ROWS)) <= ROWS + 8
