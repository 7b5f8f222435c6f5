"""Argilla errors and building blocks: one clear message per mistake, metrics, fallbacks.

Server-backed cases use the REAL argilla-server 2.8.0 of `argilla_server`
(tests/argilla_fixtures.py); the `distil` command runs in-process or as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argilla_fixtures import (  # noqa: F401
    ArgillaServer,
    argilla_server_fixture,
    cli,
    ultrafeedback_fixture,
)
from datasets import Dataset

from distilabel_cli import CustomDataset
from distilabel_cli.dataset.argilla import (
    FAMILIES,
    CritiqueFamily,
    RatedFamily,
    TaskFamily,
    text_statistics,
    to_argilla,
)
from distilabel_cli.dataset.argilla.records import ROW_KEY
from distilabel_cli.errors import DistilError
from distilabel_cli.notice import NOTICE
from distilabel_cli.tasks.prometheus import PrometheusTask
from distilabel_cli.tasks.ultracm import UltraCMTask


def test_push_with_another_layout_is_refused(
    argilla_server: ArgillaServer,
    ultrafeedback: CustomDataset,
    tmp_path: Path,
) -> None:
    ultrafeedback.save_to_disk(tmp_path / "uf")
    args = ("push-argilla", "uf", "--name", "layout", "--workspace", "argilla", "--no-vectors")
    assert cli(*args, server=argilla_server, cwd=tmp_path).exit_code == 0
    again = cli(*args, "--no-metrics", server=argilla_server, cwd=tmp_path)
    assert again.exit_code == 2
    assert again.stderr.startswith("error: Argilla dataset argilla/layout exists with other")
    assert again.stderr.count("\n") == 1  # one line, no traceback

    other_columns = ultrafeedback.add_column("source", ["web"] * len(ultrafeedback))
    keys = {"api_url": argilla_server.api_url, "api_key": argilla_server.owner_key}
    with pytest.raises(DistilError, match="pushed from a dataset with other columns"):
        to_argilla(other_columns, vector_strategy=False).push_to_argilla(
            "layout", "argilla", **keys
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workspace", "nowhere"), "Argilla workspace 'nowhere' does not exist"),
        (("--api-key", "wrong.key.123"), "rejected the API key"),
        (("--api-url", "http://127.0.0.1:9"), "cannot reach Argilla at http://127.0.0.1:9"),
    ],
)
def test_push_errors_are_one_clear_line(
    argilla_server: ArgillaServer,
    ultrafeedback: CustomDataset,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    ultrafeedback.save_to_disk(tmp_path / "uf")
    base = ["push-argilla", "uf", "--name", "bad", "--workspace", "argilla", "--no-vectors"]
    result = cli(*base, *args, server=argilla_server, cwd=tmp_path)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_pull_unknown_dataset_fails_cleanly(
    argilla_server: ArgillaServer,
    tmp_path: Path,
) -> None:
    args = ("pull-argilla", "--name", "never-pushed", "--workspace", "argilla", "--output", "x")
    result = cli(*args, server=argilla_server, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == "error: no Argilla dataset 'never-pushed' in workspace 'argilla'\n"
    assert not (tmp_path / "x").exists()


def test_without_the_extra_vectors_are_skipped_with_a_notice(
    ultrafeedback: CustomDataset, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    caplog.set_level(NOTICE, logger="distilabel_cli.argilla")
    converted = to_argilla(ultrafeedback)
    assert converted.layout.vectors == [] and not converted.records[0].vectors
    assert "pushing without vectors" in caplog.text and "[argilla]" in caplog.text
    with pytest.raises(DistilError, match="not a local model folder"):
        to_argilla(ultrafeedback, vector_strategy="/no/such/model")


def test_dataset_columns_must_name_text_fields(ultrafeedback: CustomDataset) -> None:
    converted = to_argilla(ultrafeedback, dataset_columns=["generations"], vector_strategy=False)
    assert converted.layout.described == ["generation-1", "generation-2"]
    with pytest.raises(DistilError, match="'rating' is not a text field"):
        to_argilla(ultrafeedback, dataset_columns=["rating"], vector_strategy=False)


def test_text_statistics() -> None:
    stats = text_statistics("The cat sat on the mat. It was happy!")
    assert stats["words"] == 9 and stats["sentences"] == 2
    # Flesch: 206.835 - 1.015 * 4.5 - 84.6 * 10 / 9 (syllables: happy = 2)
    assert stats["flesch-reading-ease"] == round(206.835 - 1.015 * 4.5 - 84.6 * 10 / 9, 2)
    assert text_statistics("")["flesch-reading-ease"] is None


def test_push_without_a_server_configured(ultrafeedback: CustomDataset, tmp_path: Path) -> None:
    ultrafeedback.save_to_disk(tmp_path / "uf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGILLA_")}
    result = subprocess.run(
        [sys.executable, "-m", "distilabel_cli", "push-argilla", "uf", "--name", "x",
         "--workspace", "y", "--no-vectors"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no Argilla server: pass --api-url or set ARGILLA_API_URL"
    )


RUBRIC = {i: f"level {i}" for i in range(1, 6)}


def test_critique_layout_reads_a_mapped_response_column() -> None:
    rows = [{"input": "Capital?", "generation": "Lyon.", "critique": "Wrong.", "score": 1.6}]
    task = PrometheusTask(
        scoring_criteria="Is it correct?",
        score_descriptions=RUBRIC,
        input_mapping={"generations": "generation"},
    )
    dataset = CustomDataset.from_dataset(Dataset.from_list(rows), task)
    converted = to_argilla(dataset, vector_strategy=False, metric_strategy=False)
    family = converted.family
    assert (family.kind, family.response, family.scale) == ("critique", "generation", (1, 5))
    assert TaskFamily.from_dict(family.to_dict()) == family
    assert converted.layout.fields == {"input": "Input", "generation-1": "Response"}
    score, critique = converted.layout.questions
    assert (score.name, score.values, critique.name) == ("score", (1, 2, 3, 4, 5), "critique")
    assert "Is it correct?" in converted.layout.guidelines
    record = converted.records[0]
    assert record.fields["generation-1"] == "Lyon."
    assert record.suggestions == {"score": 2, "critique": "Wrong."}
    assert record.metadata["ai-score"] == 1.6

    ultracm = CustomDataset.from_dataset(Dataset.from_list(rows), UltraCMTask())
    assert to_argilla(ultracm, vector_strategy=False).family.scale == (1, 10)
    no_task = Dataset.from_list([{**rows[0], "score": 8.0}])  # no sidecar: 8 means 1-10
    assert to_argilla(no_task, vector_strategy=False).family.scale == (1, 10)


def test_critique_rows_take_the_reviewers_values() -> None:
    row = {"input": "Capital?", "generations": ["Lyon."], "critique": "Fine.", "score": 4}
    features = Dataset.from_list([row]).features
    records = [
        ("a-0", {ROW_KEY: json.dumps(row)}, {"u1": ("submitted", {"score": 1}),
         "u2": ("submitted", {"score": 2, "critique": "Paris, not Lyon."})}),
        ("b-1", {ROW_KEY: json.dumps(row)}, {"u1": ("draft", {"score": 5})}),
    ]  # fmt: skip
    family = CritiqueFamily(inputs=("input",), scale=(1, 5))
    (reviewed, draft), out = family.read_reviews(records, features)
    assert (reviewed["score"], reviewed["ai_score"]) == (1.5, 4)
    assert (reviewed["critique"], reviewed["ai_critique"]) == ("Paris, not Lyon.", "Fine.")
    assert reviewed["reviewed"] and not draft["reviewed"] and draft["score"] == 4
    assert out["score"].dtype == "float64" and out["ai_score"].dtype == "int64"
    Dataset.from_list([reviewed, draft], features=out)  # the rows fit the features


def test_prometheus_relative_is_rated_on_a_0_1_scale() -> None:
    rows = [{"input": "Q?", "generations": ["A.", "B."], "critique": "B.", "rating": [0.0, 1.0]}]
    task = PrometheusTask(mode="relative", scoring_criteria="Is it correct?")
    dataset = CustomDataset.from_dataset(Dataset.from_list(rows), task)
    converted = to_argilla(dataset, vector_strategy=False, metric_strategy=False)
    assert (converted.family.kind, converted.family.scale) == ("rated", (0, 1))
    assert converted.layout.questions[0].values == (0, 1)
    assert converted.records[0].suggestions == {"rating-1": 0, "rating-2": 1}
    assert "Is it correct?" in converted.layout.guidelines


def test_families_stored_by_an_earlier_distil_still_load() -> None:
    """Pushed datasets keep their family in Argilla's metadata, with every key of 0.x."""
    stored = {"inputs": ["input"], "scale": [1, 10], "rationale": None, "response": None}
    rated = TaskFamily.from_dict({**stored, "kind": "rated", "rationale": "single"})
    assert rated == RatedFamily(("input",), (1, 10), "single")
    critique = TaskFamily.from_dict({**stored, "kind": "critique", "response": "generation"})
    assert critique == CritiqueFamily(("input",), (1, 10), "generation")
    for family in FAMILIES:
        assert TaskFamily.from_dict({**stored, "kind": family.kind}).kind == family.kind
    with pytest.raises(DistilError, match="unknown distil family 'ranked'"):
        TaskFamily.from_dict({**stored, "kind": "ranked"})
