"""Write splits by the output's suffix (folder, .jsonl, .parquet) and push them to the Hub."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.custom_dataset import (
    CustomDataset,
    refuse_to_replace,
    replace_folder,
    write_sidecars,
)
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from datasets import Dataset

    from distilabel_cli.tasks import Task

FILE_SUFFIXES = (".jsonl", ".parquet")
#: Suffixes of data files distil does not write: an error rather than a folder named so.
OTHER_DATA_SUFFIXES = (".json", ".csv", ".arrow", ".txt", ".gz")


def output_kind(path: Path) -> str:
    """ "folder", "jsonl" or "parquet", from the path's suffix."""
    suffix = path.suffix.lower()
    if suffix in FILE_SUFFIXES:
        return suffix[1:]
    if suffix in OTHER_DATA_SUFFIXES and not path.is_dir():
        raise DistilError(
            f"--output {path}: cannot write {suffix} files; use a .jsonl or .parquet file, "
            "or a folder (a saved dataset)"
        )
    return "folder"


def split_file(path: Path, split: str) -> Path:
    """NAME.SPLIT.jsonl beside NAME.jsonl (`datasets` reads the split from such names)."""
    return path.with_name(f"{path.stem}.{split}{path.suffix}")


def planned_paths(path: Path, splits: Sequence[str]) -> list[Path]:
    """What `write_splits` writes for these split names."""
    if output_kind(path) == "folder" or len(splits) == 1:
        return [path]
    return [split_file(path, name) for name in splits]


def check_target(path: Path, splits: Sequence[str], source: Path | None) -> None:
    """Refuse to write over the source dataset, or over a folder that is not a dataset."""
    for target in planned_paths(path, splits):
        if source is not None and target.resolve() == source.resolve():
            raise DistilError(f"--output {target}: would overwrite the input; choose another path")
        if output_kind(path) == "folder":
            refuse_to_replace(target)
        elif target.is_dir():
            raise DistilError(f"--output {target}: is a folder; expected a file name")


def write_splits(
    splits: dict[str, Dataset],
    path: Path,
    task: Task | None = None,
    run_info: dict[str, Any] | None = None,
) -> list[Path]:
    """Save the splits at `path`; returns what was written.

    A folder: one split is a saved dataset, several a saved `DatasetDict` (with the task and
    run record sidecars). A .jsonl/.parquet file: one split is that file, several are
    NAME.train.jsonl, NAME.test.jsonl beside it. Every file appears whole or not at all.
    """
    kind = output_kind(path)
    if kind == "folder":
        _save_folder(splits, path, task, run_info)
        return [path]
    paths = planned_paths(path, list(splits))
    for target, dataset in zip(paths, splits.values(), strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        if kind == "jsonl":
            dataset.to_json(str(partial), lines=True, force_ascii=False)
        else:
            dataset.to_parquet(str(partial))
        partial.replace(target)
    return paths


def _save_folder(
    splits: dict[str, Dataset], path: Path, task: Task | None, run_info: dict[str, Any] | None
) -> None:
    from datasets import DatasetDict

    if len(splits) == 1:
        (dataset,) = splits.values()
        CustomDataset.from_dataset(dataset, task, run_info).save_to_disk(path)
        return
    refuse_to_replace(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        DatasetDict(splits).save_to_disk(str(staging))
        write_sidecars(staging, task, run_info)
        replace_folder(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def push_splits(
    splits: dict[str, Dataset],
    repo_id: str,
    *,
    private: bool = False,
    tags: Sequence[str] = (),
    task: Task | None = None,
    run_info: dict[str, Any] | None = None,
) -> str:
    """Push each split (with the card, tagged with `tags` and sized for all the splits, the
    task and the run record); returns the repo URL."""
    from distilabel_cli.dataset.io.hub import push_dataset

    url = ""
    rows = sum(len(split) for split in splits.values())
    for name in sorted(splits, key=lambda split: split == "train"):
        dataset = CustomDataset.from_dataset(splits[name], task, run_info)
        url = push_dataset(dataset, repo_id, private=private, split=name, tags=tags, rows=rows)
    return url
