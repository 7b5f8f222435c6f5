"""`distil report`: the statistics on small known datasets (a binarized one too), the CLI and
its inputs, and the page in a real headless Chromium. The shipped configs' output shapes are
reported in test_report_configs.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO
from datasets import Dataset
from test_startup import HEAVY, PROBE, fresh_python

from distilabel_cli import CustomDataset, DatasetCheckpoint, Pipeline
from distilabel_cli.dataset.binarize import binarize
from distilabel_cli.dataset.io.outputs import run_record
from distilabel_cli.llms.base import Completion
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.pipeline.build_task import build_task
from distilabel_cli.pipeline.stage import Stage
from distilabel_cli.report import build_report, write_report
from distilabel_cli.report.quality import answer_lengths, failures_by_reason, parse_problems
from distilabel_cli.report.ratings import (
    rated_answers,
    rating_distribution,
    row_means,
    win_rates,
)
from distilabel_cli.report.source import ReportSource
from distilabel_cli.spec.loader import load_spec

CHROMIUM = shutil.which("chromium")
METADATA_TYPE = pa.struct(
    [("generation_errors", pa.list_(pa.string())), ("labelling_error", pa.string())]
)


def rated_table(ratings: list[Any], models: list[Any], **columns: Any) -> pa.Table:
    return pa.table({"rating": pa.array(ratings, pa.list_(pa.float64())), **columns}).append_column(
        "generation_model", pa.array(models, pa.list_(pa.string()))
    )


# --------------------------------------------------------------------------- statistics


def test_win_rates_count_each_pair_of_models_in_a_row_with_ties_apart() -> None:
    table = rated_table(
        [[5, 3], [2, 2], [4, 1, 3], [None, 4], [3, 3]],
        [["a", "b"], ["a", "b"], ["a", "b", "c"], ["a", "b"], ["a", "a"]],
    )
    answers = rated_answers(table)
    assert answers is not None
    wins = win_rates(answers)
    assert wins is not None
    a, b, c = (wins.models.index(m) for m in "abc")
    assert wins.wins[a, b] == 2 and wins.wins[b, a] == 0  # row 0 and row 2
    assert wins.wins[a, c] == 1 and wins.wins[c, b] == 1 and wins.wins[b, c] == 0
    assert wins.ties[a, b] == wins.ties[b, a] == 1  # row 1; row 3 has a None, row 4 one model
    assert wins.ties[a, a] == 0
    assert wins.rate(a, b) == 1.0 and wins.rate(b, c) == 0.0 and wins.rate(c, a) == 0.0
    assert wins.totals() == [
        ("a", 3, 0, 1, 1.0),
        ("c", 1, 1, 0, 0.5),
        ("b", 0, 3, 1, 0.0),
    ]


def test_models_never_compared_are_left_out_of_the_win_rates() -> None:
    table = rated_table([[5, 3, None], [2, 4]], [["a", "b", "failed"], ["a", "b"]])
    answers = rated_answers(table)
    assert answers is not None and "failed" in answers.names
    wins = win_rates(answers)
    assert wins is not None and wins.models == ["a", "b"]
    assert wins.wins.tolist() == [[0, 1], [1, 0]] and wins.ties.tolist() == [[0, 0], [0, 0]]


def test_no_win_rates_when_one_model_wrote_every_answer() -> None:
    answers = rated_answers(rated_table([[5, 3], [1, 2]], [["m", "m"], ["m", "m"]]))
    assert answers is not None and win_rates(answers) is None


def test_rating_distribution_per_model_on_the_task_scale() -> None:
    table = rated_table(
        [[5, 3], [5, None], [1, 5], None],
        [["a", "b"], ["a", "b"], ["b", "a"], None],
    )
    answers = rated_answers(table)
    assert answers is not None
    dist = rating_distribution(answers, scale=(1, 5))
    assert dist.labels == ["1", "2", "3", "4", "5"]
    counts = dict(zip(dist.groups, dist.counts.tolist(), strict=True))
    assert counts == {"a": [0, 0, 0, 0, 3], "b": [1, 0, 1, 0, 0]}
    assert dict(zip(dist.groups, dist.missing.tolist(), strict=True)) == {"a": 0, "b": 1}
    # without a scale: one bar per rating seen
    assert rating_distribution(answers).labels == ["1", "3", "5"]
    np.testing.assert_allclose(row_means(answers), [4.0, 5.0, 3.0, np.nan])


def test_many_distinct_ratings_are_binned() -> None:
    values = [[float(v)] for v in np.linspace(0, 10, 50)]
    answers = rated_answers(rated_table(values, [["m"]] * 50))
    assert answers is not None
    dist = rating_distribution(answers)
    assert len(dist.labels) == 10 and dist.labels[0] == "0–1"
    assert dist.counts.sum() == 50 and dist.counts[0].tolist() == [5] * 10


def test_a_score_column_rates_each_rows_one_answer() -> None:
    table = pa.table(
        {"score": [4.0, None, 2.0], "generation_model": [["x"], ["y"], ["x"]]},
    )
    answers = rated_answers(table)
    assert answers is not None and answers.column == "score"
    dist = rating_distribution(answers)
    assert dict(zip(dist.groups, dist.counts.sum(axis=1).tolist(), strict=True)) == {
        "x": 2,
        "y": 0,
    }
    assert dict(zip(dist.groups, dist.missing.tolist(), strict=True)) == {"x": 0, "y": 1}


def test_failures_are_counted_by_reason_per_stage() -> None:
    metadata = pa.array(
        [
            {"generation_errors": ["timeout", None], "labelling_error": "HTTP 500"},
            {"generation_errors": [None, "timeout"], "labelling_error": None},
            {"generation_errors": ["refused", "timeout"], "labelling_error": "HTTP 500"},
            None,
        ],
        METADATA_TYPE,
    )
    reasons = failures_by_reason(pa.table({"distil_metadata": metadata}))
    assert [(r.stage, r.reason, r.count) for r in reasons] == [
        ("generation", "timeout", 3),
        ("generation", "refused", 1),
        ("labelling", "HTTP 500", 2),
    ]


def test_judge_parse_failures_and_truncations_are_told_apart() -> None:
    table = rated_table(
        [[4, 2], [None, None], [5, None], [None, 3], [None, None], [1, 2], [None, None]]
        + [[None, 4, None]],
        [["m", "m"]] * 7 + [["m", "m", "m"]],
        generations=[["a", "b"]] * 4 + [[None, None]] + [["a", "b"]] * 2 + [[None, "b", "c"]],
        raw_labelling_response=[
            '{"ratings": [4, 2]}',
            "I cannot rate these.",  # nothing read
            "Rating: 5\nRationale: good\nRating:",  # only the first rated: stopped early
            "Rating: ?\nRating: 3",  # the second rated, not the first
            None,  # no answers to rate: not asked
            '{"ratings": [1, 2], "rationale": "cut',  # cut, but every rating was read: fine
            '{"ratings": [{"rating": 4, "rationale": "It is',  # unterminated JSON, nothing read
            "Rating: N/A\nRating: 4\nRating:",  # the first answer is None: stopped at the last
        ],
    )
    problems = parse_problems(table, rated_answers(table))
    assert (problems.judge_unparsed, problems.judge_truncated, problems.judge_partial) == (1, 3, 1)
    assert problems.judge_rows == {"unparsed": [1], "truncated": [2, 6, 7], "partial": [3]}


def test_generator_answers_that_could_not_be_parsed() -> None:
    table = pa.table(
        {
            "raw_generation_responses": [["1. a", "rambling"], [None, "2. b"]],
            "instructions": pa.array(
                [[["a"], None], [None, ["b"]]], pa.list_(pa.list_(pa.string()))
            ),
        }
    )
    problems = parse_problems(table, None)
    assert problems.generations_unparsed == 1 and problems.generation_rows == [0]


def test_answer_lengths_per_model() -> None:
    table = pa.table(
        {
            "generations": [["abc", "abcdef"], ["", None]],
            "generation_model": [["a", "b"], ["a", "b"]],
        }
    )
    lengths = answer_lengths(table)
    assert lengths is not None and lengths.groups == ["a", "b"]
    assert [v.tolist() for v in lengths.values] == [[3.0, 0.0], [6.0]]


def test_binarized_dataset_gets_its_margin_histogram_and_pair_win_rates() -> None:
    rated = Dataset.from_dict(
        {
            "input": ["q1", "q2", "q3", "q4"],
            "generations": [["a1", "b1"], ["a2", "b2"], ["a3", "b3"], ["a4", "b4"]],
            "generation_model": [["A", "B"]] * 4,
            "rating": [[5.0, 1.0], [4.0, 2.0], [3.0, 3.0], [1.0, 4.0]],
        }
    )
    pairs = binarize(rated, strategy="worst", keep_ties=True).dataset
    table = pairs.with_format("arrow")[:]
    report = build_report(ReportSource(table, Path("pairs")))
    assert report.binarized is not None
    assert report.binarized["histogram"] == [("0", 1), ("2", 1), ("3", 1), ("4", 1)]
    assert report.binarized["ties"] == 1 and report.binarized["mean_margin"] == 2.25
    assert report.wins is not None and report.wins.totals()[0] == ("A", 2, 1, 1, 2 / 3)
    assert [line[0] for line in report.ratings] == ["chosen", "rejected"]
    assert [e.score for e in report.best][:1] == [4.0] and report.worst[0].score == 0.0
    assert {"margins", "ratings", "wins", "lengths"} <= set(report.charts)


def test_best_and_worst_rows_are_escaped_in_the_page(tmp_path: Path) -> None:
    table = rated_table(
        [[5, 4], [1, 2], [3, 3]],
        [["a", "b"]] * 3,
        input=["<b>bold?</b>", "plain", "middle"],
        generations=[["<script>alert(1)</script>", "fine"], ["x", "y"], ["m", "n"]],
        rationale=[["great & <i>true</i>", "ok"], ["bad", "meh"], ["so", "so"]],
    )
    report = build_report(ReportSource(table, tmp_path / "data.parquet"))
    assert [e.row for e in report.best] == [0, 2, 1] and report.worst == []
    pq.write_table(table, tmp_path / "data.parquet")
    html = write_report(tmp_path / "data.parquet").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html and "great &amp; &lt;i&gt;true&lt;/i&gt;" in html


# --------------------------------------------------------------------------- CLI and inputs


def distil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "distilabel_cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def saved_run(tmp_path: Path, name: str = "out", checkpoint: Path | None = None) -> Path:
    """A two-model preference dataset made by distil's pipeline, saved as `distil run` does."""
    models = ["model-a", "model-b"]

    def generate(request: Request) -> Completion:
        text = f"Answer {request.seq}: " + "words " * (5 + 7 * request.index + request.seq)
        return Completion(text, model=models[request.index])

    def judge(request: Request) -> str:
        n = request.json_schema["properties"]["ratings"]["minItems"]
        ratings = [
            {"rating": 1 + (request.seq + 2 * k) % 5, "rationale": f"r{k}"} for k in range(n)
        ]
        return json.dumps({"ratings": ratings})

    spec, _ = load_spec(REPO / "configs" / "quickstart.yaml")
    pipeline = Pipeline(
        generator=Stage(build_task(spec.generator.task), ScriptedLLM(answer=generate)),
        labeller=Stage(build_task(spec.labeller.task), ScriptedLLM(answer=judge, structured=True)),
    )
    rows = Dataset.from_dict({"input": [f"question {i} <&>" for i in range(12)]})
    saving = DatasetCheckpoint(checkpoint) if checkpoint is not None else None
    dataset = pipeline.generate(rows, num_generations=2, checkpoint_strategy=saving)
    dataset.run_info = run_record(spec, pipeline.last_report)
    dataset.save_to_disk(tmp_path / name)
    return tmp_path / name


def test_the_same_data_gives_the_same_page(tmp_path: Path) -> None:
    folder = saved_run(tmp_path)
    first = write_report(folder, tmp_path / "first.html").read_bytes()
    assert write_report(folder, tmp_path / "second.html").read_bytes() == first
    assert len(re.findall(rb"<svg class=\"chart\"", first)) == 3


def test_cli_writes_report_html_into_the_dataset_folder_and_prints_its_path(
    tmp_path: Path,
) -> None:
    folder = saved_run(tmp_path)
    result = distil("report", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(folder / "report.html")
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="wins"' in html and "model-a" in html and "question 0 &lt;&amp;&gt;" in html
    # the folder is still a dataset distil can load, with the report beside its data
    assert len(CustomDataset.load_from_disk(folder)) == 12


def test_cli_reads_jsonl_and_parquet_files_with_the_folders_sidecars(tmp_path: Path) -> None:
    folder = saved_run(tmp_path)
    dataset = CustomDataset.load_from_disk(folder)
    dataset.to_json(str(folder / "data.jsonl"), lines=True, force_ascii=False)
    dataset.to_parquet(str(tmp_path / "loose.parquet"))
    result = distil("report", str(folder / "data.jsonl"), "--output", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "UltraFeedbackTask" in html and "requests" in html  # sidecars beside data.jsonl
    result = distil("report", str(tmp_path / "loose.parquet"))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "loose-report.html").read_text(encoding="utf-8")
    assert "No run record" in html and 'id="ratings"' in html


def test_cli_reports_a_checkpoint_folder_beside_it(tmp_path: Path) -> None:
    saved_run(tmp_path, checkpoint=tmp_path / "run.checkpoint")
    before = sorted(p.name for p in (tmp_path / "run.checkpoint").iterdir())
    result = distil("report", str(tmp_path / "run.checkpoint"))
    assert result.returncode == 0, result.stderr
    page = tmp_path / "run.checkpoint-report.html"
    assert result.stdout.strip() == str(page)
    assert sorted(p.name for p in (tmp_path / "run.checkpoint").iterdir()) == before
    assert 'id="wins"' in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such file or folder"),
        (lambda p: p, "not a saved dataset folder (no state.json)"),
        (
            lambda p: (p / "notes.txt").write_text("x") and p / "notes.txt",
            "cannot report on a .txt",
        ),
        (lambda p: (p / "bad.jsonl").write_text("{oops\n") and p / "bad.jsonl", "bad.jsonl"),
    ],
)
def test_bad_input_is_one_clear_message_and_exit_2(tmp_path: Path, make: Any, message: str) -> None:
    result = distil("report", str(make(tmp_path)))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("--help",), ("report", "--help"), ("validate", "--help")])
def test_the_cli_starts_without_matplotlib_or_arrow(args: tuple[str, ...]) -> None:
    heavy = [*HEAVY, "matplotlib", "numpy"]
    stdout = fresh_python("-c", PROBE, json.dumps(heavy), json.dumps(args))
    output, _, loaded = stdout.rpartition("LOADED ")
    assert json.loads(loaded) == [] and "Usage:" in output


# --------------------------------------------------------------------------- in a browser


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The DOM of `page` after load, as headless Chromium serialises it."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_the_report_renders_its_charts_in_headless_chromium(tmp_path: Path) -> None:
    page = write_report(saved_run(tmp_path))
    dom = dump_dom(page, tmp_path)
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-ready="1"' in body.group(0), body.group(0)
    assert "data-error" not in body.group(0)
    charts = re.findall(r'<svg class="chart" data-chart="(\w+)".*?</svg>', dom, re.DOTALL)
    assert sorted(charts) == ["lengths", "ratings", "wins"]
    for svg in re.findall(r'<svg class="chart".*?</svg>', dom, re.DOTALL):
        assert len(re.findall(r"<(path|rect|text|use)\b", svg)) > 10  # drawn, not empty


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_a_script_error_would_be_seen(tmp_path: Path) -> None:
    """The readiness hook records an error: the check above can fail."""
    page = write_report(saved_run(tmp_path))
    html = page.read_text(encoding="utf-8").replace("</main>", "<script>nope(</script></main>")
    page.write_text(html, encoding="utf-8")
    body = re.search(r"<body[^>]*>", dump_dom(page, tmp_path))
    assert body is not None and "data-error=" in body.group(0)
