"""`prepare_dataset` / `distil binarize`: DPO pairs from rated datasets."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from distilabel_cli import CustomDataset, UltraFeedbackTask, prepare_dataset
from distilabel_cli.dataset.binarize.core import binarize, margin_histogram
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import TextGenerationTask

CONTRACT_COLUMNS = [
    "prompt",
    "chosen",
    "rejected",
    "rating_chosen",
    "rating_rejected",
    "chosen_model",
    "rejected_model",
]


def row(prompt: str, ratings: list[Any], gens: list[Any] | None = None, **extra: Any) -> dict:
    gens = gens if gens is not None else [f"{prompt}-g{i}" for i in range(len(ratings))]
    models = extra.pop("models", [f"m{i}" for i in range(len(gens))])
    rationale = extra.pop("rationale", [f"why{i}" for i in range(len(gens))])
    return {
        "input": prompt,
        "generations": gens,
        "generation_model": models,
        "rating": ratings,
        "rationale": rationale,
        **extra,
    }


def rated(*rows: dict) -> Dataset:
    return Dataset.from_list(list(rows))


def turn(prompt: str, response: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def picked(out: Dataset) -> list[tuple[str, str, str, str, str, str]]:
    """(prompt, chosen text, rejected text, chosen model, rejected model, rejected rationale)."""
    return [
        (
            r["prompt"],
            r["chosen"][1]["content"],
            r["rejected"][1]["content"],
            r["chosen_model"],
            r["rejected_model"],
            r["rejected_rationale"],
        )
        for r in out.to_list()
    ]


# --- strategies -------------------------------------------------------------------------


def test_worst_picks_highest_and_lowest_first_on_ties() -> None:
    data = rated(
        row("a", [3, 5, 1, 4]),
        row("b", [5, 5, 2, 2]),  # top tie: first 5 chosen; low tie: first 2 rejected
        row("c", [1.5, 4.5]),
    )
    out = prepare_dataset(data, strategy="worst")
    assert out.column_names == [*CONTRACT_COLUMNS, "chosen_rationale", "rejected_rationale"]
    assert picked(out) == [
        ("a", "a-g1", "a-g2", "m1", "m2", "why2"),
        ("b", "b-g0", "b-g2", "m0", "m2", "why2"),
        ("c", "c-g1", "c-g0", "m1", "m0", "why0"),
    ]
    first = out[0]
    assert first["chosen"] == turn("a", "a-g1")
    assert first["rejected"] == turn("a", "a-g2")
    assert (first["rating_chosen"], first["rating_rejected"]) == (5.0, 1.0)
    assert first["chosen_rationale"] == "why1"


def test_random_only_picks_strictly_lower_rated_responses() -> None:
    data = rated(*[row(f"p{i}", [5, 5, 3, 5]) for i in range(50)])
    out = prepare_dataset(data, strategy="random", seed=0)
    # The only response below the top is g2: model and rationale must be g2's too.
    for prompt, *rest in picked(out):
        assert rest == [f"{prompt}-g0", f"{prompt}-g2", "m0", "m2", "why2"]
    assert len(out) == 50


def test_random_all_tie_rejects_another_response_with_its_own_model_and_rationale() -> None:
    data = rated(*[row(f"p{i}", [4, 4, 4]) for i in range(60)])
    out = prepare_dataset(data, strategy="random", seed=1, keep_ties=True)
    seen = Counter()
    for prompt, chosen, rejected, chosen_model, rejected_model, rationale in picked(out):
        assert chosen == f"{prompt}-g0" and chosen_model == "m0"
        index = rejected.rsplit("g", 1)[1]
        assert index in {"1", "2"}  # never the chosen response itself
        assert (rejected_model, rationale) == (f"m{index}", f"why{index}")
        seen[index] += 1
    assert set(seen) == {"1", "2"}


def test_random_is_uniform_among_lower_rated() -> None:
    data = rated(*[row(f"p{i}", [2, 5, 1, 3]) for i in range(3000)])
    out = prepare_dataset(data, strategy="random", seed=7)
    counts = Counter(r[2].rsplit("-", 1)[1] for r in picked(out))
    assert set(counts) == {"g0", "g2", "g3"}
    assert all(800 < c < 1200 for c in counts.values()), counts


def test_same_seed_same_output_and_different_seed_differs() -> None:
    data = rated(*[row(f"p{i}", [5, 1, 2, 3, 4]) for i in range(200)])
    first = prepare_dataset(data, seed=11).to_list()
    assert prepare_dataset(data, seed=11).to_list() == first
    assert prepare_dataset(data, seed=12).to_list() != first


def test_agrees_with_a_plain_python_reference_on_random_data() -> None:
    rng = random.Random(5)
    rows = []
    for i in range(400):
        k = rng.randint(1, 5)
        ratings = [
            rng.choice([None, 1, 2, 3, 4, 5]) if rng.random() < 0.9 else None for _ in "x" * k
        ]
        rows.append(row(f"p{i}", ratings))
    data = rated(*rows)
    expected = []
    for r in rows:
        usable = [(v, j) for j, v in enumerate(r["rating"]) if v is not None]
        if len(usable) < 2:
            continue
        top = max(v for v, _ in usable)
        chosen = next(j for v, j in usable if v == top)
        low = min(v for v, j in usable if j != chosen)
        rejected = next(j for v, j in usable if v == low and j != chosen)
        if top != low:
            expected.append((r["input"], f"{r['input']}-g{chosen}", f"{r['input']}-g{rejected}"))
    assert [p[:3] for p in picked(prepare_dataset(data, strategy="worst"))] == expected

    for p in prepare_dataset(data, strategy="random", seed=3).to_list():
        source = rows[int(p["prompt"][1:])]
        rejected = int(p["rejected"][1]["content"].rsplit("g", 1)[1])
        assert source["rating"][rejected] == p["rating_rejected"] < p["rating_chosen"]
        assert p["rejected_model"] == f"m{rejected}"


# --- ties, margins, sft, summary ----------------------------------------------------------


def test_ties_dropped_unless_kept() -> None:
    data = rated(row("a", [3, 3]), row("b", [5, 1]), row("c", [2, 2, 2]))
    result = binarize(data, strategy="worst")
    assert [r["prompt"] for r in result.dataset] == ["b"]
    assert result.summary.ties_dropped == 2
    kept = binarize(data, strategy="worst", keep_ties=True)
    assert [r["prompt"] for r in kept.dataset] == ["a", "b", "c"]
    assert kept.dataset[0]["rejected_model"] == "m1"  # the rejected response's own model
    assert kept.summary.ties_dropped == 0


def test_min_margin_drops_small_gaps() -> None:
    data = rated(row("a", [5, 4]), row("b", [5, 3]), row("c", [5, 1]), row("d", [2, 2]))
    result = binarize(data, strategy="worst", min_margin=2)
    assert [r["prompt"] for r in result.dataset] == ["b", "c"]
    assert (result.summary.margin_dropped, result.summary.ties_dropped) == (1, 1)
    assert result.summary.margin_histogram == [("2", 1), ("4", 1)]
    with pytest.raises(DistilError, match=r"^min_margin -1: must be a number >= 0$"):
        prepare_dataset(data, min_margin=-1)


def test_sft_adds_messages_equal_to_chosen() -> None:
    data = rated(row("a", [1, 4]))
    out = prepare_dataset(data, sft=True)
    assert out.column_names[-1] == "messages"
    assert out[0]["messages"] == out[0]["chosen"] == turn("a", "a-g1")
    assert "messages" not in prepare_dataset(data).column_names


def test_summary_counts_invalid_rows_by_reason() -> None:
    data = rated(
        row("ok", [1, 2]),
        row("none", None, ["x", "y"]),
        row("empty", [], ["x", "y"]),
        row("short", [1], ["x", "y"]),
        row("one-rated", [None, 3]),
        row("nan", [float("nan"), 3]),
        row("models", [1, 2], models=["m0"]),
        row("rationale", [1, 2], rationale=["r0", "r1", "r2"]),
        {**row("noprompt", [1, 2]), "input": None},
    )
    result = binarize(data)
    assert [r["prompt"] for r in result.dataset] == ["ok"]
    s = result.summary
    assert (s.rows_in, s.pairs_out, s.invalid_dropped) == (9, 1, 8)
    assert s.invalid == {
        "no ratings": 2,
        "ratings and generations differ in length": 1,
        "models and generations differ in length": 1,
        "rationales and ratings differ in length": 1,
        "missing prompt": 1,
        "fewer than 2 rated generations": 2,
    }
    assert s.to_dict()["pairs_out"] == 1


def test_none_rated_and_none_generations_are_ignored_not_the_row() -> None:
    data = rated(row("a", [3, None, 5, 1]), row("b", [3, 5, 1], ["x", None, "z"]))
    out = prepare_dataset(data, strategy="worst")
    assert picked(out) == [
        ("a", "a-g2", "a-g3", "m2", "m3", "why3"),
        ("b", "x", "z", "m0", "m2", "why2"),
    ]


def test_margin_histogram_bins_many_distinct_gaps() -> None:
    margins = pa.array([i / 7 for i in range(100)]).to_numpy()
    bins = margin_histogram(margins)
    assert len(bins) == 10 and sum(c for _, c in bins) == 100
    assert bins[0][0] == "0 to 1.41"
    assert margin_histogram(margins[:0]) == []


def test_empty_dataset_gives_empty_pairs_with_contract_columns() -> None:
    data = rated(row("a", [1, 2])).select([])
    result = binarize(data)
    assert len(result.dataset) == 0 and result.summary.pairs_out == 0
    assert result.dataset.column_names[:7] == CONTRACT_COLUMNS


def test_respects_selected_rows_and_keeps_the_task() -> None:
    base = rated(row("a", [1, 2]), row("b", [4, 3]), row("c", [5, 1]))
    data = CustomDataset.from_dataset(base.select([2, 0]), UltraFeedbackTask())
    out = prepare_dataset(data, strategy="worst")
    assert [r["prompt"] for r in out] == ["c", "a"]
    assert isinstance(out, CustomDataset) and isinstance(out.task, UltraFeedbackTask)


# --- other task shapes and column mapping --------------------------------------------------


def test_judgelm_single_rationale_goes_to_both_sides() -> None:
    data = rated(row("a", [8, 3], rationale="Assistant 1 is better."))
    out = prepare_dataset(data, strategy="worst")
    assert out[0]["chosen_rationale"] == out[0]["rejected_rationale"] == "Assistant 1 is better."


def test_quality_scorer_shape_has_no_rationale_columns_and_no_models() -> None:
    data = Dataset.from_list([{"input": "a", "generations": ["x", "y"], "rating": [0.2, 0.9]}])
    out = prepare_dataset(data, strategy="worst")
    assert out.column_names == CONTRACT_COLUMNS
    assert (out[0]["chosen_model"], out[0]["rejected_model"]) == ("", "")
    assert (out[0]["chosen"][1]["content"], out[0]["rating_rejected"]) == ("y", 0.2)


def test_ultrajudge_areas_are_ignored() -> None:
    data = rated(row("a", [9, 2], areas=[{"Clarity": 9}, {"Clarity": 2}], rationale=None))
    out = prepare_dataset(data.remove_columns("rationale"), strategy="worst")
    assert out.column_names == CONTRACT_COLUMNS
    assert out[0]["rejected_model"] == "m1"


def test_column_mapping_for_ultrafeedback_style_dumps() -> None:
    data = Dataset.from_list(
        [{"instruction": "q", "responses": ["r0", "r1"], "scores": [1, 7], "models": ["x", "y"]}]
    )
    columns = {"prompt": "instruction", "generations": "responses", "ratings": "scores"}
    out = prepare_dataset(data, strategy="worst", columns={**columns, "models": "models"})
    assert picked_models(out) == ("q", "r1", "r0", "y", "x")
    without_models = prepare_dataset(data, strategy="worst", columns=columns)
    assert picked_models(without_models) == ("q", "r1", "r0", "", "")
    with pytest.raises(DistilError, match="no 'model' column for models"):
        prepare_dataset(data, columns={**columns, "models": "model"})


def picked_models(out: Dataset) -> tuple[str, ...]:
    r = out[0]
    texts = (r["chosen"][1]["content"], r["rejected"][1]["content"])
    return (r["prompt"], *texts, r["chosen_model"], r["rejected_model"])


def test_accepts_an_arrow_table_and_integer_ratings() -> None:
    table = pa.table({"input": ["a"], "generations": [["x", "y", "z"]], "rating": [[2, 9, 1]]})
    out = prepare_dataset(table, strategy="worst")
    assert (out[0]["rating_chosen"], out[0]["rating_rejected"]) == (9.0, 1.0)


# --- datasets that cannot be binarized ----------------------------------------------------


BAD_INPUTS = [
    (
        [{"input": "a", "generations": ["x", "y"], "score": 4.0, "critique": "ok"}],
        "no 'rating' column to binarize: the dataset has 'score/critique' columns from a "
        "critique task (UltraCM, Prometheus absolute), which scores one response per row; "
        "binarization needs a list of ratings for several generations per row (Prometheus "
        "mode: relative writes one)",
    ),
    (
        [{"input": "a", "generations": "x", "rating": [4.0]}],
        "column 'generations' holds one generation per row (text); binarization needs a list "
        "of at least two rated generations per row",
    ),
    (
        [{"input": "a", "generations": ["x"], "rating": [4.0]}],
        "every row has at most one generation in 'generations'; binarization needs at least "
        "two rated generations per row",
    ),
    (
        [{"input": "a", "generations": ["x", "y"], "rating": 4.0}],
        "column 'rating' holds one number per row; binarization needs a list of ratings, one "
        "per generation",
    ),
    (
        [{"input": "a", "generations": ["x", "y"], "rating": ["4", "5"]}],
        "column 'rating' (ratings) must hold lists of numbers, found list<item: string>",
    ),
    (
        [{"instruction": "a", "generations": ["x", "y"], "rating": [1, 2]}],
        "no 'input' column for prompt (columns: instruction, generations, rating); map it "
        "with --prompt-column",
    ),
    (
        [{"input": "a", "generations": ["x", "y"], "rating": [1, 2], "generation_model": 3}],
        "column 'generation_model' (models) must hold text or a list of text per row, found int64",
    ),
]


@pytest.mark.parametrize(("rows", "message"), BAD_INPUTS)
def test_bad_inputs_raise_clear_errors(rows: list[dict], message: str) -> None:
    with pytest.raises(DistilError) as info:
        prepare_dataset(Dataset.from_list(rows))
    assert info.value.message == message


def test_text_generation_dataset_names_its_task() -> None:
    data = CustomDataset.from_dataset(
        Dataset.from_list([{"input": "a", "generations": ["x", "y"]}]), TextGenerationTask()
    )
    with pytest.raises(DistilError) as info:
        prepare_dataset(data)
    assert info.value.message == (
        "no 'rating' column to binarize: the dataset's task TextGenerationTask does not rate "
        "generations (columns: input, generations)"
    )


def test_bad_arguments() -> None:
    data = rated(row("a", [1, 2]))
    with pytest.raises(DistilError, match=r"^strategy 'best': expected one of random, worst$"):
        prepare_dataset(data, strategy="best")  # type: ignore[arg-type]
    with pytest.raises(DistilError, match=r"^seed -1: must be >= 0$"):
        prepare_dataset(data, seed=-1)
    with pytest.raises(DistilError, match=r"^columns: unknown role 'prompts'"):
        prepare_dataset(data, columns={"prompts": "input"})


# --- the CLI (all runs start together, then each test checks its own) ----------------------


def _cli_cases(root: Path) -> dict[str, list[str]]:
    saved = CustomDataset.from_dataset(
        rated(row("a", [1, 5, 3]), row("b", [2, 2]), row("c", [4, None])), UltraFeedbackTask()
    )
    saved.save_to_disk(root / "rated")
    dump = [
        {"q": "a", "resp": ["x", "y", "z"], "score": [3, 1, 2]},
        {"q": "b", "resp": ["u", "v"], "score": [1, 1]},
    ]
    (root / "dump.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dump))
    pq.write_table(pa.Table.from_pylist([row("a", [1, 2]), row("b", [3, 3])]), root / "d.parquet")
    (root / "critique.jsonl").write_text(json.dumps({"input": "a", "score": 3.0}) + "\n")
    mapping = ["--prompt-column", "q", "--generations-column", "resp", "--ratings-column", "score"]
    return {
        "arrow": ["rated", "--output", "out-arrow", "--sft", "--seed", "3"],
        "jsonl": ["dump.jsonl", "--format", "jsonl", "--strategy", "worst", *mapping],
        "parquet": ["d.parquet", "--format", "parquet", "--keep-ties", "--output", "pq"],
        "critique": ["critique.jsonl"],
    }


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("binarize-cli")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "COLUMNS": "120"}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "distilabel_cli", "binarize", *args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in _cli_cases(root).items()
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        results[name] = (proc.returncode, out, err)
    yield root, results


def test_cli_arrow_folder_with_task_sidecar(cli: tuple[Path, dict[str, Any]]) -> None:
    root, results = cli
    code, out, err = results["arrow"]
    assert code == 0, err
    assert "pairs out" in out and "ties dropped" in out and "rating gap" in out
    assert "wrote 1 pairs to out-arrow" in out
    loaded = CustomDataset.load_from_disk(root / "out-arrow")
    assert isinstance(loaded.task, UltraFeedbackTask)
    assert [r["prompt"] for r in loaded] == ["a"]
    assert loaded[0]["messages"] == loaded[0]["chosen"] == turn("a", "a-g1")
    assert loaded[0]["rejected_model"] in {"m0", "m2"}


def test_cli_jsonl_with_column_mapping(cli: tuple[Path, dict[str, Any]]) -> None:
    root, results = cli
    code, out, err = results["jsonl"]
    assert code == 0, err
    lines = (root / "dump-binarized" / "data.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "prompt": "a",
            "chosen": turn("a", "x"),
            "rejected": turn("a", "y"),
            "rating_chosen": 3.0,
            "rating_rejected": 1.0,
            "chosen_model": "",
            "rejected_model": "",
        }
    ]


def test_cli_parquet_keeps_ties(cli: tuple[Path, dict[str, Any]]) -> None:
    root, results = cli
    code, _, err = results["parquet"]
    assert code == 0, err
    table = pq.read_table(root / "pq" / "data.parquet")
    assert table.column("prompt").to_pylist() == ["a", "b"]
    assert table.column("rejected_model").to_pylist() == ["m0", "m1"]
    assert table.column("rejected_rationale").to_pylist() == ["why0", "why1"]


def test_cli_error_exits_2_with_one_line_and_no_traceback(
    cli: tuple[Path, dict[str, Any]],
) -> None:
    _, results = cli
    code, out, err = results["critique"]
    assert code == 2
    assert err == (
        "error: no 'rating' column to binarize: the dataset has 'score' columns from a "
        "critique task (UltraCM, Prometheus absolute), which scores one response per row; "
        "binarization needs a list of ratings for several generations per row (Prometheus "
        "mode: relative writes one)\n"
    )
    assert out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["rated", "--output", "notadataset"],
            "error: --output notadataset: folder exists and is not a saved dataset; "
            "choose another\n",
        ),
        (
            ["rated", "--output", "rated"],
            "error: --output rated: would overwrite INPUT; choose another folder\n",
        ),
        (["missing.jsonl"], "error: INPUT 'missing.jsonl': no such file or folder\n"),
    ],
)
def test_cli_refuses_unsafe_outputs_and_missing_input(
    cli: tuple[Path, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    from typer.testing import CliRunner

    from distilabel_cli.cli.app import app

    root, _ = cli
    (root / "notadataset").mkdir(exist_ok=True)
    (root / "notadataset" / "keep.txt").write_text("precious")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["binarize", *args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert (root / "notadataset" / "keep.txt").read_text() == "precious"
    assert (root / "rated" / "state.json").is_file()
