"""A failed request is never saved as done: the next run asks again for exactly what failed.

Every run talks real HTTP to `flaky_server.FlakyServer` (an OpenAI-compatible server that
fails planned requests, see its docstring) through distil's real OpenAI backend; the test
counts at the server which prompts were asked, so "nothing finished is paid for twice" is
checked where the money is spent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import distil
from flaky_server import Fault, FlakyServer, bucket

from distilabel_cli.dataset.checkpoint.store import read_checkpoint
from distilabel_cli.dataset.custom_dataset import CustomDataset

ROWS = 100
SPEC = """\
input: {{path: data.jsonl}}
generator:
  llm: {{type: openai, model: writer, base_url: "{url}", concurrency: 4, max_retries: {retries}}}
  task: {{type: text-generation}}
labeller:
  llm: {{type: openai, model: judge, base_url: "{url}", concurrency: 4, max_retries: {retries}}}
  task: {{type: ultrafeedback}}
run: {{num_generations: 2, max_failed_fraction: 1.0}}
output: {{path: out/data}}
"""


def generator_only(url: str, run: str, extra: str = "") -> str:
    """SPEC without its labeller, with its own `run:` mapping."""
    head = SPEC.split("labeller:")[0].format(url=url, retries=0)
    return f"{head}run: {run}\noutput: {{path: out/data}}\n{extra}"


def write_inputs(folder: Path, rows: int = ROWS) -> list[str]:
    inputs = [f"question {i}" for i in range(rows)]
    (folder / "data.jsonl").write_text("".join(json.dumps({"input": q}) + "\n" for q in inputs))
    return inputs


def healthy(key: str, attempt: int, seq: int) -> Fault | None:
    return None


def sixty_percent(key: str, attempt: int, seq: int) -> Fault | None:
    """The generations of 3 rows in 5 and the judgement of a fourth fail every time they are
    asked (500)."""
    number = int(re.search(r"question (\d+)", key).group(1))  # type: ignore[union-attr]
    failing = (0, 1, 2) if key.startswith("question") else (3,)
    return Fault(500) if number % 5 in failing else None


def saved_state(folder: Path) -> tuple[set[int], set[int]]:
    """(rows whose every generation was answered, rows whose judgement was answered)."""
    saved = read_checkpoint(folder)
    assert saved is not None
    generated = {
        i
        for i, c in saved.columns.items()
        if all(r is not None for r in c["raw_generation_responses"])
    }
    labelled = {i for i, c in saved.columns.items() if c.get("raw_labelling_response") is not None}
    return generated, labelled


def test_failed_items_are_requested_again_and_nothing_else(tmp_path: Path) -> None:
    """The issue's reproduction: 60 % failures with max_retries 1, then a healthy server."""
    inputs = write_inputs(tmp_path)
    with FlakyServer(plan=sixty_percent) as server:
        spec = SPEC.format(url=server.base_url, retries=1)
        (tmp_path / "spec.yaml").write_text(spec.replace(", max_failed_fraction: 1.0", ""))
        first = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        # exit 1: far more than the default 10 % of the requests failed (or, depending on
        # the order answers arrive in, ten failed in a row and the circuit breaker stopped it)
        assert first.returncode == 1, first.stderr
        assert "requests failed" in first.stderr or "in a row" in first.stderr
        saved = read_checkpoint(tmp_path / "out" / "data.checkpoint")
        generated, labelled = saved_state(tmp_path / "out" / "data.checkpoint")
        assert saved is not None and len(saved.columns) > len(generated) > 0  # failed items
        assert labelled & generated != generated  # and failed judgements
        first_records = len(server.records)

        server.plan = healthy
        second = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        asked_again = [r.key for r in server.records[first_records:]]

    generation_keys = [k for k in asked_again if k in inputs]
    judge_keys = [k for k in asked_again if k not in inputs]
    # exactly the generations that failed, once each; nothing that had succeeded
    failed_rows = {i for i in range(ROWS) if i not in generated}
    assert sorted(generation_keys) == sorted(inputs[i] for i in failed_rows)
    # judgements: rows whose generations changed, and rows whose own judgement failed
    assert len(judge_keys) == len(set(judge_keys)) == ROWS - len(labelled & generated)
    assert "retried" in second.stdout

    dataset = CustomDataset.load_from_disk(tmp_path / "out" / "data")
    assert all(None not in g for g in dataset["generations"])
    assert all(r is not None for r in dataset["raw_labelling_response"])
    errors = [m["generation_errors"] for m in dataset["distil_metadata"]]
    assert all(e == [None, None] for e in errors)

    third = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert "100 resumed from the checkpoint" in third.stdout


def test_server_dies_mid_run_then_rerun_completes_every_row(tmp_path: Path) -> None:
    """The server starts failing every request after 60 of them: the circuit breaker stops the
    run (exit 1, ten failures in a row), and a rerun against the healthy server completes
    every row without asking again for anything the checkpoint holds as answered."""
    inputs = write_inputs(tmp_path)

    def dies(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(503) if seq >= 60 else None

    with FlakyServer(plan=dies) as server:
        (tmp_path / "spec.yaml").write_text(SPEC.format(url=server.base_url, retries=0))
        first = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "in a row" in first.stderr and "Traceback" not in first.stderr
        generated, labelled = saved_state(tmp_path / "out" / "data.checkpoint")
        answered_before = len(server.records)

        server.plan = healthy
        second = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        asked_again = [r.key for r in server.records[answered_before:]]

    finished_prompts = {inputs[i] for i in generated}
    assert not finished_prompts & set(asked_again)  # nothing finished is paid for twice
    dataset = CustomDataset.load_from_disk(tmp_path / "out" / "data")
    assert len(dataset) == ROWS
    assert all(None not in g for g in dataset["generations"])
    assert all(r is not None for r in dataset["rating"])


def test_circuit_breaker_trips_on_failures_in_a_row_after_successes(tmp_path: Path) -> None:
    """Failures after successes still stop the run (not only when the first ten fail)."""
    write_inputs(tmp_path, 60)

    def breaks(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(500) if seq >= 20 else None

    with FlakyServer(plan=breaks) as server:
        spec = generator_only(server.base_url, "{num_generations: 1}")
        (tmp_path / "spec.yaml").write_text(spec)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        asked = len(server.records)
    assert result.returncode == 1
    assert re.search(r"1\d requests in a row to writer failed", result.stderr)
    assert asked < 60  # it stopped instead of failing every remaining row


def test_run_with_many_failures_exits_1_after_writing(tmp_path: Path) -> None:
    """A run that finished with more failed requests than run.max_failed_fraction exits 1,
    with the counts, after writing the dataset (the default threshold is 10 %)."""
    write_inputs(tmp_path, 40)

    def third_fail(key: str, attempt: int, seq: int) -> Fault | None:
        return Fault(500) if bucket(key) < 30 else None

    with FlakyServer(plan=third_fail) as server:
        off = "checkpoint: {enabled: false}\n"
        spec = generator_only(server.base_url, "{num_generations: 1}", off)
        (tmp_path / "spec.yaml").write_text(spec)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        report = tmp_path / "out" / "data" / "report.html"
        assert report.is_file() and "planned 500" in report.read_text()  # failures by reason
        spec = generator_only(server.base_url, "{max_failed_fraction: 0.9}", off)
        (tmp_path / "spec.yaml").write_text(spec)
        # the same requests again (with the cache, only the 30 % that fail would be asked,
        # all in a row, and the circuit breaker would rightly stop the run)
        tolerant = distil(
            "run", "spec.yaml", "--no-progress", "--no-cache", "--no-report", cwd=tmp_path
        )
    assert result.returncode == 1, result.stderr
    assert "requests failed" in result.stderr and "max_failed_fraction" in result.stderr
    assert (tmp_path / "out" / "data" / "state.json").is_file()
    assert tolerant.returncode == 0, tolerant.stderr
    assert not report.exists()  # --no-report


@pytest.mark.parametrize("labeller", [False, True])
def test_empty_choices_is_a_failed_item_not_a_crash(tmp_path: Path, labeller: bool) -> None:
    """`choices: []` fails the generation item (alignment kept) or the judgement."""
    write_inputs(tmp_path, 4)

    class NoChoices(FlakyServer):
        def answer(self, body, key):  # type: ignore[no-untyped-def]
            payload = super().answer(body, key)
            wanted = body.get("response_format") is not None if labeller else True
            if wanted:
                payload["choices"] = []
            return payload

    with NoChoices(plan=healthy) as server:
        url = server.base_url
        spec = (
            SPEC.format(url=url, retries=0)
            if labeller
            else generator_only(url, "{num_generations: 2, max_failed_fraction: 1.0}")
        )
        (tmp_path / "spec.yaml").write_text(spec)
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    dataset = CustomDataset.load_from_disk(tmp_path / "out" / "data")
    if labeller:
        assert dataset["raw_labelling_response"] == [None] * 4
        assert all("choices" in m["labelling_error"] for m in dataset["distil_metadata"])
    else:
        assert all(g == [None, None] for g in dataset["generations"])
        assert all(len(m) == 2 for m in dataset["generation_model"])
        assert all(
            "choices" in e for m in dataset["distil_metadata"] for e in m["generation_errors"]
        )


def test_default_retries_complete_every_item_at_a_fifth_of_requests_failing(
    tmp_path: Path,
) -> None:
    """A 200-row generate + judge run with default settings against a server that fails a
    fifth of all attempts (429 and 500 mixed, drawn per attempt) completes every item."""
    write_inputs(tmp_path, 200)

    def fifth(key: str, attempt: int, seq: int) -> Fault | None:
        draw = bucket(f"{key}#{attempt}")
        if draw < 10:
            return Fault(429, {"Retry-After": "0"})
        return Fault(500) if draw < 20 else None

    spec = SPEC.replace(", max_retries: {retries}", "").replace(
        "run: {{num_generations: 2, max_failed_fraction: 1.0}}", "run: {{num_generations: 2}}"
    )
    with FlakyServer(plan=fifth) as server:
        (tmp_path / "spec.yaml").write_text(spec.format(url=server.base_url))
        result = distil("run", "spec.yaml", "--no-progress", cwd=tmp_path)
        failures = sum(r.status != 200 for r in server.records)
    assert result.returncode == 0, result.stderr
    assert failures > 60  # the server really failed about a fifth of the attempts
    dataset = CustomDataset.load_from_disk(tmp_path / "out" / "data")
    assert all(None not in g for g in dataset["generations"])
    assert all(r is not None for r in dataset["raw_labelling_response"])
