"""Batch API mode (`type: openai-batch`) end to end: `distil run` in real subprocesses, the
real `openai` client, and `tests/batch_server.py`, a local protocol stand-in for OpenAI's
Files + Batches API (no real Batch API server can run in tests). The server's counters prove
what was uploaded, downloaded and answered online.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from batch_server import BatchServer
from cli_helpers import interruptible

from distilabel_cli import CustomDataset
from distilabel_cli.llms.batch_files import RequestLine, pack, read_result

ROWS = 6
SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: {kind}, model: writer, base_url: "{url}", {extra}}}
  task: {{type: text-generation}}
labeller:
  llm: {{type: {kind}, model: judge, base_url: "{url}", {extra}}}
  task: {{type: ultrafeedback}}
run: {{num_generations: 2}}
output: {{path: out/{name}}}
"""
FAST = "batch_window_seconds: 0.2, batch_poll_seconds: 0.05, max_retries: 2"


def write_spec(workdir: Path, url: str, name: str, kind: str = "openai-batch", extra: str = FAST):
    rows = "".join(json.dumps({"input": f"question {i}"}) + "\n" for i in range(ROWS))
    (workdir / "data.jsonl").write_text(rows)
    spec = workdir / f"{name}.yaml"
    spec.write_text(SPEC.format(kind=kind, url=url, name=name, extra=extra or "concurrency: 4"))
    return spec


def distil_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "distilabel_cli", *args]


def run(workdir: Path, spec: Path, *extra: str, code: int = 0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        distil_cmd("run", spec.name, "--no-progress", "--no-report", *extra),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == code, result.stderr
    return result


def rows_of(workdir: Path, name: str) -> list[dict]:
    return CustomDataset.load_from_disk(workdir / "out" / name).to_list()


def online_reference(workdir: Path, server: BatchServer) -> list[dict]:
    spec = write_spec(workdir, server.base_url, "online", "openai", "")
    run(workdir, spec, "--no-cache")
    server.online.clear()
    return rows_of(workdir, "online")


def test_batch_run_equals_online_run(tmp_path: Path) -> None:
    with BatchServer() as server:
        reference = online_reference(tmp_path, server)
        spec = write_spec(tmp_path, server.base_url, "batch")
        result = run(tmp_path, spec, "--no-cache")
        assert rows_of(tmp_path, "batch") == reference
        assert not server.online  # nothing went online
        assert set(server.uploaded.values()) == {1}  # every request sent once
        assert len(server.uploaded) == 2 * ROWS  # generations (n=2 in one line) + judgements
        assert server.statuses() and set(server.statuses()) == {"completed"}
        assert "in_progress" in result.stderr  # the batch statuses are shown
        listing = subprocess.run(
            distil_cmd("batches"), cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert listing.returncode == 0, listing.stderr
        assert "batch_1" in listing.stdout and "completed" in listing.stdout


def test_batch_statuses_are_notices_quiet_hides_and_the_log_file_keeps(tmp_path: Path) -> None:
    with BatchServer() as server:
        spec = write_spec(tmp_path, server.base_url, "quiet")
        result = run(tmp_path, spec, "--no-cache", "-q", "--log-file", "run.log")
        assert result.stderr == ""  # -q: errors only
        logged = (tmp_path / "run.log").read_text()
        assert "NOTICE distilabel_cli.batch: batch batch_1 (writer): " in logged
        assert "completed" in logged and server.statuses()


def test_killed_run_reattaches_to_its_batch(tmp_path: Path) -> None:
    with BatchServer() as server:
        reference = online_reference(tmp_path, server)
        server.hold = True  # batches stay in_progress
        spec = write_spec(tmp_path, server.base_url, "batch")
        process = subprocess.Popen(
            distil_cmd("run", spec.name, "--no-progress", "--no-report"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            server.wait_for(lambda: server.statuses() == ["in_progress"])
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=60)
        first = dict(server.uploaded)
        assert len(first) == ROWS  # the generations' batch exists, paid for
        server.release()
        run(tmp_path, spec)
        assert rows_of(tmp_path, "batch") == reference
        # the rerun made no new batch for the generations: nothing uploaded twice
        assert set(server.uploaded.values()) == {1}
        assert len(server.batches) == 2  # generations (re-attached) + judgements
        assert server.batches["batch_1"]["_outcome"] == "completed"
        assert all(count == 1 for count in server.downloads.values())


def test_sigint_leaves_batches_running_and_says_how_to_reattach(tmp_path: Path) -> None:
    with BatchServer() as server:
        server.hold = True
        spec = write_spec(tmp_path, server.base_url, "batch")
        process = subprocess.Popen(
            distil_cmd("run", spec.name, "--no-progress", "--no-report"),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=interruptible,
        )
        server.wait_for(lambda: server.statuses() == ["in_progress"])
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130
        assert "left 1 batch running" in stderr and "run the same command again" in stderr
        assert server.statuses() == ["in_progress"]  # not cancelled: paid work kept


def test_expired_batch_resends_only_the_unanswered_requests(tmp_path: Path) -> None:
    with BatchServer() as server:
        reference = online_reference(tmp_path, server)
        server.outcomes = ["expired:2"]  # the first batch answers 2 lines, then expires
        spec = write_spec(tmp_path, server.base_url, "batch")
        run(tmp_path, spec, "--no-cache")
        assert rows_of(tmp_path, "batch") == reference
        assert server.statuses()[0] == "expired"
        resent = [cid for cid, count in server.uploaded.items() if count == 2]
        assert len(resent) == ROWS - 2  # the 2 answered lines were not sent again
        assert len(server.uploaded) == 2 * ROWS


def test_expired_batch_items_go_online_with_online_fallback(tmp_path: Path) -> None:
    with BatchServer() as server:
        reference = online_reference(tmp_path, server)
        server.outcomes = ["expired:2"]
        spec = write_spec(
            tmp_path, server.base_url, "batch", extra=FAST + ", online_fallback: true"
        )
        run(tmp_path, spec, "--no-cache")
        assert rows_of(tmp_path, "batch") == reference
        assert sum(server.online.values()) == ROWS - 2  # the expired generations, online
        assert set(server.uploaded.values()) == {1}


def test_per_line_errors_fail_only_their_items(tmp_path: Path) -> None:
    with BatchServer() as server:
        server.error_marker = "question 3"  # a 400 for that row's request lines
        spec = write_spec(tmp_path, server.base_url, "batch")
        run(tmp_path, spec, "--no-cache", "--set", "run.max_failed_fraction=0.5")
        rows = rows_of(tmp_path, "batch")
        failed = [row for row in rows if row["input"] == "question 3"]
        assert failed[0]["generations"] == [None, None]
        assert "HTTP 400" in failed[0]["distil_metadata"]["generation_errors"][0]
        ok = [row for row in rows if row["input"] != "question 3"]
        assert all(row["generations"][0].startswith("answer 0") for row in ok)
        assert all(count == 1 for count in server.uploaded.values())  # a 400 is not resent


def test_failed_batch_is_sent_again(tmp_path: Path) -> None:
    with BatchServer() as server:
        server.outcomes = ["failed"]
        spec = write_spec(tmp_path, server.base_url, "batch")
        run(tmp_path, spec, "--no-cache")
        assert server.statuses()[:2] == ["failed", "completed"]
        assert all(row["generations"][0] for row in rows_of(tmp_path, "batch"))


def line(custom_id: str, size: int) -> RequestLine:
    return RequestLine(custom_id, "/v1/chat/completions", b"x" * size, None, 1, None)


def test_pack_keeps_files_within_the_request_and_byte_limits() -> None:
    lines = [line(str(i), 10) for i in range(7)]
    assert [len(f) for f in pack(lines, max_requests=3, max_bytes=1000)] == [3, 3, 1]
    assert [len(f) for f in pack(lines, max_requests=100, max_bytes=25)] == [2, 2, 2, 1]
    with pytest.raises(ValueError, match="over the file limit"):
        pack([line("big", 30)], max_bytes=25)


def test_result_lines_say_what_to_resend() -> None:
    assert read_result(None).retry
    expired = {"custom_id": "a", "response": None, "error": {"code": "batch_expired"}}
    assert read_result(expired).retry
    server_error = {"custom_id": "a", "response": {"status_code": 500, "body": {}}}
    assert read_result(server_error).retry
    bad = {"custom_id": "a", "response": {"status_code": 400, "body": {"error": {}}}}
    assert not read_result(bad).retry and read_result(bad).texts is None
    choice = {"message": {"content": "hi"}, "finish_reason": "length"}
    ok = {"response": {"status_code": 200, "body": {"choices": [choice]}}, "error": None}
    assert read_result(ok).texts == ["hi"] and read_result(ok).finish_reasons == ["length"]


def test_batches_command_without_batches(tmp_path: Path) -> None:
    listing = subprocess.run(
        distil_cmd("batches"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert listing.returncode == 0, listing.stderr
    assert "no batches" in listing.stdout
