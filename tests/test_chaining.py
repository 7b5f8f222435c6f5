"""Chaining runs: `input.explode` turns a list column of one run's dataset into rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import distil
from conftest import REPO
from datasets import Dataset

from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.io.explode import explode
from distilabel_cli.dataset.io.inputs import input_columns, load_input
from distilabel_cli.errors import DistilError
from distilabel_cli.spec.models import InputSpec
from distilabel_cli.tasks import TextGenerationTask

SELF_INSTRUCT_OUTPUT = {
    "input": ["cooking", "budgets", "python"],
    "generation_model": [["m", "m"], ["m", "m"], ["m", "m"]],
    "generation_prompt": [["p", "p"], ["p", "p"], ["p", "p"]],
    "raw_generation_responses": [["r", "r"], ["r", "r"], ["r", "r"]],
    "instructions": [[["Boil pasta?", "Salt?"], None], [["Save?"], ["", "  "]], [None, []]],
    "distil_metadata": [{"generation_errors": [None, "x"]}] * 3,
}


def saved_run(tmp_path: Path) -> Path:
    folder = tmp_path / "self-instruct"
    CustomDataset.from_dataset(
        Dataset.from_dict(SELF_INSTRUCT_OUTPUT), TextGenerationTask()
    ).save_to_disk(folder)
    return folder


def test_explode_flattens_drops_empty_items_and_run_columns() -> None:
    rows = explode(Dataset.from_dict(SELF_INSTRUCT_OUTPUT), "instructions").to_list()
    assert rows == [
        {"input": "cooking", "instructions": "Boil pasta?"},
        {"input": "cooking", "instructions": "Salt?"},
        {"input": "budgets", "instructions": "Save?"},
    ]


def test_explode_into_replaces_that_column_in_its_place() -> None:
    data = Dataset.from_dict({"id": [1, 2], "input": ["a", "b"], "items": [["x", "y"], ["z"]]})
    exploded = explode(data.select([1, 0]), "items", into="input")  # row order is kept
    assert exploded.column_names == ["id", "input"]
    assert exploded.to_list() == [
        {"id": 2, "input": "z"},
        {"id": 1, "input": "x"},
        {"id": 1, "input": "y"},
    ]


def test_explode_non_list_or_missing_column_is_a_clear_error() -> None:
    data = Dataset.from_dict({"input": ["a"]})
    with pytest.raises(DistilError, match="column 'input' holds string, not lists"):
        explode(data, "input")
    with pytest.raises(DistilError, match=r"column 'nope' not found \(columns: input\)"):
        explode(data, "nope")


def test_saved_dataset_is_a_valid_input_with_explode(tmp_path: Path) -> None:
    folder = saved_run(tmp_path)
    spec = InputSpec(path=str(folder), explode={"column": "instructions", "into": "input"})
    assert input_columns(spec) == ["input"]
    loaded = load_input(spec)
    assert loaded["input"] == ["Boil pasta?", "Salt?", "Save?"]
    limited = load_input(InputSpec(path=str(folder), explode="instructions", limit=2))
    assert limited.column_names == ["input", "instructions"] and len(limited) == 2


def test_an_explode_that_leaves_no_rows_is_a_clear_error(tmp_path: Path) -> None:
    data = {"input": ["a"], "instructions": [[None, None]]}
    CustomDataset.from_dataset(Dataset.from_dict(data), TextGenerationTask()).save_to_disk(
        tmp_path / "d"
    )
    with pytest.raises(DistilError) as info:
        load_input(InputSpec(path=str(tmp_path / "d"), explode="instructions"))
    assert info.value.message == (
        f"input {tmp_path / 'd'}: no rows after input.explode of 'instructions' (every item "
        "is empty); nothing to do"
    )


CHAIN = """\
input:
  path: ./outputs/self-instruct
  explode: {column: instructions, into: input}
generator:
  llm: {type: llama-cpp, max_new_tokens: 8}
  task: {type: text-generation}
output: {path: outputs/answers}
"""


def test_validate_accepts_a_chain_whose_input_is_not_written_yet(tmp_path: Path) -> None:
    (tmp_path / "chain.yaml").write_text(CHAIN)
    result = distil("validate", "chain.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "chain.yaml: ok (distil: generator); input ./outputs/self-instruct does not exist "
        "yet: columns not checked"
    )
    run = distil("run", "chain.yaml", cwd=tmp_path)
    assert run.returncode == 2
    assert (
        "input.path './outputs/self-instruct': no such file or folder (the output of "
        "another spec? run that one first)" in run.stderr
    )


def test_validate_checks_columns_of_an_existing_chained_input(tmp_path: Path) -> None:
    (tmp_path / "outputs").mkdir()
    saved_run(tmp_path / "outputs")
    (tmp_path / "chain.yaml").write_text(CHAIN)
    assert distil("validate", "chain.yaml", cwd=tmp_path).returncode == 0
    bad_chain = CHAIN.replace("into: input}", "into: question}\n  remove: [input]")
    (tmp_path / "bad.yaml").write_text(bad_chain)
    bad = distil("validate", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "bad.yaml:7 generator.task: text-generation needs column 'input', which neither the "
        "input (question) nor the generator provides"
    )


def test_chain_configs_read_the_outputs_of_the_first_step() -> None:
    for chain, output in (("self-instruct", "self-instruct"), ("evol-instruct", "evol-instruct")):
        first, second = sorted((REPO / "configs").glob(f"{chain}-[12]-*.yaml"))
        assert first.name.startswith(f"{chain}-1-") and second.name.startswith(f"{chain}-2-")
        assert f"path: ./outputs/{output}\n" in second.read_text()
        assert f"path: outputs/{output}\n" in first.read_text()
