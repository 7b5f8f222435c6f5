"""Loading the input dataset of a spec, and saving/loading CustomDataset folders."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, DatasetDict

from distilabel_cli.dataset.custom_dataset import TASK_SIDECAR, CustomDataset
from distilabel_cli.dataset.io import inputs as inputs_module
from distilabel_cli.dataset.io.inputs import input_columns, load_input, parse_split
from distilabel_cli.errors import DistilError
from distilabel_cli.spec.models import InputSpec
from distilabel_cli.tasks import TextGenerationTask, UltraFeedbackTask

ROWS = [{"instruction": f"q{i}", "answer": f"a{i}", "idx": i} for i in range(4)]
COLUMNS = ["instruction", "answer", "idx"]


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write_jsonl(path: Path, rows: list[dict] = ROWS) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json(path: Path, rows: list[dict] = ROWS) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict] = ROWS) -> Path:
    lines = [",".join(COLUMNS)] + [",".join(str(r[c]) for c in COLUMNS) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict] = ROWS) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def write_saved(path: Path, rows: list[dict] = ROWS) -> Path:
    CustomDataset.from_dataset(Dataset.from_list(rows)).save_to_disk(path)
    return path


def write_dict(path: Path, rows: list[dict] = ROWS) -> Path:
    DatasetDict(
        {"train": Dataset.from_list(rows[:1]), "test": Dataset.from_list(rows)}
    ).save_to_disk(str(path))
    return path


WRITERS = {
    "a.jsonl": write_jsonl,
    "a.json": write_json,
    "a.csv": write_csv,
    "a.parquet": write_parquet,
    "saved": write_saved,
}


def spec(path: Path | str, **kwargs) -> InputSpec:
    return InputSpec(path=str(path), **kwargs)


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("name", list(WRITERS))
def test_load_each_format(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name)
    dataset = load_input(spec(path))
    assert dataset.column_names == COLUMNS
    assert dataset.to_list() == ROWS


def test_load_dataset_dict_split(tmp_path: Path) -> None:
    path = write_dict(tmp_path / "dd")
    assert load_input(spec(path, split="test")).to_list() == ROWS
    assert load_input(spec(path, split="train")).to_list() == ROWS[:1]
    assert load_input(spec(path, split="test[1:3]")).to_list() == ROWS[1:3]


def test_dataset_dict_missing_split(tmp_path: Path) -> None:
    path = write_dict(tmp_path / "dd")
    with pytest.raises(DistilError, match="no split 'validation'") as info:
        load_input(spec(path, split="validation"))
    assert "train" in info.value.message and "test" in info.value.message


def test_json_object_with_data_key(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"data": ROWS}), encoding="utf-8")
    assert load_input(spec(path)).to_list() == ROWS


def test_json_not_a_list_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"version": 1}), encoding="utf-8")
    with pytest.raises(DistilError, match="d.json"):
        load_input(spec(path))


def test_relative_path_resolved_against_spec_dir(tmp_path: Path) -> None:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    write_jsonl(spec_dir / "rows.jsonl")
    assert load_input(spec("rows.jsonl"), spec_dir=spec_dir).to_list() == ROWS
    assert input_columns(spec("rows.jsonl"), spec_dir=spec_dir) == COLUMNS


def test_relative_path_resolved_against_cwd(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "rows.jsonl")
    assert len(load_input(spec("rows.jsonl"))) == 4


# --------------------------------------------------------------------------- rename/remove/limit


@pytest.mark.parametrize("name", list(WRITERS))
def test_rename_and_remove(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name)
    dataset = load_input(spec(path, rename={"instruction": "input"}, remove=["answer"]))
    assert dataset.column_names == ["input", "idx"]
    assert dataset["input"] == ["q0", "q1", "q2", "q3"]


def test_remove_a_renamed_column_by_new_name(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    dataset = load_input(spec(path, rename={"answer": "gen"}, remove=["gen"]))
    assert dataset.column_names == ["instruction", "idx"]


@pytest.mark.parametrize(
    "kwargs",
    [{"rename": {"prompt": "input"}}, {"remove": ["prompt"]}],
)
def test_missing_column_names_it_and_lists_columns(tmp_path: Path, kwargs: dict) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    with pytest.raises(DistilError) as info:
        load_input(spec(path, **kwargs))
    message = info.value.message
    assert "'prompt'" in message
    for column in COLUMNS:
        assert column in message


def test_remove_old_name_of_renamed_column_is_distil_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    with pytest.raises(DistilError, match="'answer'"):
        load_input(spec(path, rename={"answer": "gen"}, remove=["answer"]))


@pytest.mark.parametrize(("limit", "expected"), [(1, 1), (3, 3), (4, 4), (100, 4)])
def test_limit(tmp_path: Path, limit: int, expected: int) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    dataset = load_input(spec(path, limit=limit))
    assert dataset["idx"] == list(range(expected))


def test_limit_applies_after_split(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    assert load_input(spec(path, split="train[1:]", limit=2))["idx"] == [1, 2]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        InputSpec(path="x.jsonl", limit=0)


# --------------------------------------------------------------------------- splits


@pytest.mark.parametrize(
    ("split", "expected"),
    [
        ("train", [0, 1, 2, 3]),
        ("train[:2]", [0, 1]),
        ("train[1:3]", [1, 2]),
        ("train[2:]", [2, 3]),
        ("train[:50%]", [0, 1]),
        ("train[50%:]", [2, 3]),
        ("train[25%:75%]", [1, 2]),
        ("train[:-1]", [0, 1, 2]),
        ("train[:10]", [0, 1, 2, 3]),
        (" train [ 1 : 2 ] ", [1]),
    ],
)
@pytest.mark.parametrize("name", ["a.jsonl", "saved"])
def test_split_slices(tmp_path: Path, name: str, split: str, expected: list[int]) -> None:
    path = WRITERS[name](tmp_path / name)
    assert load_input(spec(path, split=split))["idx"] == expected


@pytest.mark.parametrize(
    "split", ["train[a:b]", "train[1]", "train[:2", "[:2]", "train[1:2:3]", ""]
)
def test_bad_split_expression(tmp_path: Path, split: str) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    with pytest.raises(DistilError, match="input.split"):
        load_input(spec(path, split=split))


@pytest.mark.parametrize("split", ["train[-:]", "train[%:]"])
def test_bad_split_bound_is_distil_error(tmp_path: Path, split: str) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")
    with pytest.raises(DistilError):
        load_input(spec(path, split=split))


def test_parse_split() -> None:
    assert parse_split("train") == ("train", "", "")
    assert parse_split("test[:3]") == ("test", "", "3")
    assert parse_split("train[10%:-2]") == ("train", "10%", "-2")


# --------------------------------------------------------------------------- errors


@pytest.mark.timeout(60)
def test_hub_id_that_cannot_be_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets.config
    import huggingface_hub.constants

    # both libraries read the offline variables at import time: patch the constants too
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    path = "someone/no-such-dataset-xyz"
    with pytest.raises(DistilError, match="not a local file or folder") as info:
        load_input(spec(path))
    assert path in info.value.message


@pytest.mark.parametrize("path", ["missing/rows.jsonl", "./rows", "data/sub/rows"])
def test_missing_local_path_is_named(path: str) -> None:
    with pytest.raises(DistilError, match="no such file or folder") as info:
        load_input(spec(path))
    assert path in info.value.message
    with pytest.raises(DistilError, match="no such file or folder"):
        input_columns(spec(path))


@pytest.mark.parametrize("suffix", [".txt", ".tsv", ".xlsx"])
def test_unsupported_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rows{suffix}"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(DistilError, match="unsupported input"):
        load_input(spec(path))


def test_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DistilError, match="not a saved dataset folder"):
        load_input(spec(folder))


def test_malformed_jsonl_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"input": "a"}\n{"input": "b"\n{"input": "c"}\n', encoding="utf-8")
    with pytest.raises(DistilError, match="broken.jsonl") as info:
        load_input(spec(path))
    assert "cannot read" in info.value.message


def test_malformed_json_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"input": "a"},', encoding="utf-8")
    with pytest.raises(DistilError, match="broken.json"):
        load_input(spec(path))


def test_non_utf8_json_names_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'[{"input": "caf\xe9"}]')
    with pytest.raises(DistilError, match="latin.json"):
        load_input(spec(path))


def test_corrupt_parquet_names_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not a parquet file at all")
    with pytest.raises(DistilError, match="bad.parquet"):
        load_input(spec(path))


# --------------------------------------------------------------------------- input_columns


@pytest.mark.parametrize("name", list(WRITERS))
def test_input_columns(tmp_path: Path, name: str) -> None:
    path = WRITERS[name](tmp_path / name)
    assert input_columns(spec(path)) == COLUMNS
    shaped = spec(path, rename={"instruction": "input"}, remove=["answer"])
    assert input_columns(shaped) == ["input", "idx"]
    assert input_columns(shaped) == load_input(shaped).column_names


def test_input_columns_does_not_load_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "a.jsonl")

    def fail(*args, **kwargs):
        raise AssertionError("input_columns must not load the dataset")

    monkeypatch.setattr(inputs_module, "_load_local", fail)
    monkeypatch.setattr(inputs_module, "load_input", fail)
    assert input_columns(spec(path, remove=["idx"])) == ["instruction", "answer"]


def test_input_columns_reads_only_first_jsonl_row(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('\n{"input": "a", "n": 1}\nnot json at all\n', encoding="utf-8")
    assert input_columns(spec(path)) == ["input", "n"]


def test_input_columns_hub_id_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("input_columns must not touch the Hub")

    import datasets

    monkeypatch.setattr(datasets, "load_dataset", fail)
    assert input_columns(spec("HuggingFaceH4/instruction-dataset")) is None


def test_input_columns_malformed_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"input": \n', encoding="utf-8")
    with pytest.raises(DistilError, match="bad.jsonl"):
        input_columns(spec(path))


# --------------------------------------------------------------------------- CustomDataset


def test_custom_dataset_round_trip(tmp_path: Path) -> None:
    task = UltraFeedbackTask(aspect="honesty", system_prompt="judge carefully")
    dataset = CustomDataset.from_dataset(Dataset.from_list(ROWS), task=task)
    target = tmp_path / "out" / "ds"
    dataset.save_to_disk(target)
    sidecar = json.loads((target / TASK_SIDECAR).read_text(encoding="utf-8"))
    assert sidecar["__type_info__"] == {
        "module": "distilabel_cli.tasks.ultrafeedback",
        "name": "UltraFeedbackTask",
    }
    loaded = CustomDataset.load_from_disk(target)
    assert isinstance(loaded, CustomDataset)
    assert loaded.to_list() == ROWS
    assert loaded.task == task
    # no staging folders left beside the target
    assert sorted(p.name for p in target.parent.iterdir()) == ["ds"]


def test_custom_dataset_without_task(tmp_path: Path) -> None:
    target = write_saved(tmp_path / "ds")
    assert not (target / TASK_SIDECAR).exists()
    assert CustomDataset.load_from_disk(target).task is None


def test_custom_dataset_keeps_selection(tmp_path: Path) -> None:
    base = Dataset.from_list(ROWS).select([3, 1])
    CustomDataset.from_dataset(base, task=TextGenerationTask()).save_to_disk(tmp_path / "ds")
    loaded = CustomDataset.load_from_disk(tmp_path / "ds")
    assert loaded["idx"] == [3, 1]
    assert isinstance(loaded.task, TextGenerationTask)


def test_save_over_existing_folder_replaces_it(tmp_path: Path) -> None:
    target = tmp_path / "ds"
    big = Dataset.from_list([{"x": i} for i in range(30)])
    CustomDataset.from_dataset(big, task=UltraFeedbackTask()).save_to_disk(target, num_shards=3)
    assert len(list(target.glob("data-*.arrow"))) == 3
    (target / "stale.txt").write_text("old", encoding="utf-8")

    small = CustomDataset.from_dataset(Dataset.from_list([{"y": "new"}]))
    small.save_to_disk(target)

    assert [p.name for p in target.glob("data-*.arrow")] == ["data-00000-of-00001.arrow"]
    assert not (target / "stale.txt").exists()
    assert not (target / TASK_SIDECAR).exists()  # the old task does not survive
    loaded = CustomDataset.load_from_disk(target)
    assert loaded.to_list() == [{"y": "new"}]
    assert loaded.task is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_save_over_the_folder_it_was_loaded_from(tmp_path: Path) -> None:
    target = tmp_path / "ds"
    CustomDataset.from_dataset(Dataset.from_list(ROWS), task=TextGenerationTask()).save_to_disk(
        target
    )
    loaded = CustomDataset.load_from_disk(target)
    updated = CustomDataset.from_dataset(
        loaded.map(lambda row: {"idx": row["idx"] * 10}), task=loaded.task
    )
    updated.save_to_disk(target)
    again = CustomDataset.load_from_disk(target)
    assert again["idx"] == [0, 10, 20, 30]
    assert isinstance(again.task, TextGenerationTask)


def test_saved_folder_with_06_sidecar(tmp_path: Path) -> None:
    target = write_saved(tmp_path / "ds")
    (target / TASK_SIDECAR).write_text(
        json.dumps(
            {
                "system_prompt": "Your role is to evaluate text quality.",
                "task_description": "...",
                "__type_info__": {
                    "module": "distilabel.tasks.preference.ultrafeedback",
                    "name": "UltraFeedbackTask",
                },
            }
        ),
        encoding="utf-8",
    )
    loaded = CustomDataset.load_from_disk(target)
    assert isinstance(loaded.task, UltraFeedbackTask)
    assert loaded.task.system_prompt == "Your role is to evaluate text quality."
    assert load_input(spec(target)).to_list() == ROWS


def test_saving_never_replaces_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    dataset = CustomDataset.from_dataset(Dataset.from_dict({"a": [1]}))
    with pytest.raises(DistilError, match="is not a saved dataset"):
        dataset.save_to_disk(precious)
    assert (precious / "thesis.txt").read_text() == "years of work"
    (tmp_path / "file").write_text("x")
    with pytest.raises(DistilError, match="is a file"):
        dataset.save_to_disk(tmp_path / "file")
