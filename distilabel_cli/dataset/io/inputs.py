"""Load the input dataset of a spec: local files, saved folders or Hub ids.

`input_columns` (used by `distil validate`) reads only column names and imports neither
`datasets` nor pyarrow (except for a Parquet schema); loading imports them when called.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from distilabel_cli.dataset.io.explode import explode, exploded_columns
from distilabel_cli.dataset.io.readers import (
    json_rows,
    peek_csv_columns,
    peek_jsonl_columns,
    read_csv,
    read_json,
    read_jsonl,
    read_parquet,
    row_keys,
)
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Dataset

    from distilabel_cli.spec.models import InputSpec

FILE_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
_SPLIT = re.compile(r"^\s*([\w.-]+)\s*(?:\[\s*(-?\d+%?)?\s*:\s*(-?\d+%?)?\s*\])?\s*$")


def resolve_input_path(path: str, spec_dir: Path | None = None) -> Path | None:
    """The local file or folder `path` names (cwd first, then the spec's folder).

    None means `path` is a Hub dataset id; a missing local-looking path is an error.
    """
    candidates = [Path(path).expanduser()]
    if spec_dir is not None and not Path(path).is_absolute():
        candidates.append(spec_dir / path)
    found = next((p for p in candidates if p.exists()), None)
    if found is None and _looks_local(path):
        hint = "" if Path(path).suffix else " (the output of another spec? run that one first)"
        raise DistilError(f"input.path {path!r}: no such file or folder{hint}")
    return found


def _looks_local(path: str) -> bool:
    """Hub ids are `name` or `owner/name`; anything else is meant as a local path."""
    return (
        path.lower().endswith(FILE_SUFFIXES)
        or path.startswith((".", "/", "~"))
        or path.count("/") > 1
        or "\\" in path
    )


def load_input(spec: InputSpec, spec_dir: Path | None = None) -> Dataset:
    """Read, slice, rename, drop and limit the input rows as the spec says."""
    local = resolve_input_path(spec.path, spec_dir)
    split_name, start, stop = parse_split(spec.split)
    if local is None:
        dataset = _load_hub(spec.path, spec.split)
    else:
        dataset = _load_local(local, split_name)
        dataset = _slice(dataset, start, stop)
    dataset = shape_columns(dataset, spec)
    if len(dataset) == 0:
        why = ""
        if spec.explode is not None:
            why = f" after input.explode of {_explode_args(spec)[0]!r} (every item is empty)"
        raise DistilError(f"input {spec.path}: no rows{why}; nothing to do")
    if spec.limit is not None and spec.limit < len(dataset):
        dataset = dataset.select(range(spec.limit))
    return dataset


def shape_columns(dataset: Dataset, spec: InputSpec) -> Dataset:
    """Apply `explode`, `rename` then `remove`, naming any column that does not exist."""
    if spec.explode is not None:
        column, into = _explode_args(spec)
        dataset = explode(dataset, column, into)
    _require_columns(spec, "rename", list(spec.rename), dataset.column_names)
    _check_rename_clashes(spec, dataset.column_names)
    if spec.rename:
        dataset = dataset.rename_columns(spec.rename)
    _require_columns(spec, "remove", spec.remove, dataset.column_names)
    if spec.remove:
        dataset = dataset.remove_columns(spec.remove)
    return dataset


def _require_columns(spec: InputSpec, key: str, wanted: list[str], columns: list[str]) -> None:
    for column in wanted:
        if column not in columns:
            raise DistilError(
                f"input.{key}: column {column!r} not found in {spec.path} "
                f"(columns: {', '.join(columns)})"
            )


def _check_rename_clashes(spec: InputSpec, columns: list[str]) -> None:
    """Two columns must not end up with one name (the rename would silently drop one)."""
    owners: dict[str, str] = {}
    for column in columns:
        new = spec.rename.get(column, column)
        other = owners.setdefault(new, column)
        if other == column:
            continue
        renamed, kept = (other, column) if other in spec.rename else (column, other)
        if kept in spec.rename:
            raise DistilError(
                f"input.rename: columns {renamed!r} and {kept!r} of {spec.path} are both "
                f"renamed to {new!r}; give them different names"
            )
        raise DistilError(
            f"input.rename: renaming {renamed!r} to {new!r} clashes with the existing column "
            f"{kept!r} of {spec.path}; rename {kept!r} too, or choose another name"
        )


def input_columns(spec: InputSpec, spec_dir: Path | None = None) -> list[str] | None:
    """Column names after rename/remove, read cheaply; None when unknown (Hub ids)."""
    local = resolve_input_path(spec.path, spec_dir)
    if local is None:
        return None
    columns = _peek_columns(local, parse_split(spec.split)[0])
    if columns is None:
        return None
    if spec.explode is not None:
        column, into = _explode_args(spec)
        if column not in columns:
            raise DistilError(
                f"input.explode: column {column!r} not found in {spec.path} "
                f"(columns: {', '.join(columns)})"
            )
        columns = exploded_columns(columns, column, into)
    _check_rename_clashes(spec, columns)
    columns = [spec.rename.get(c, c) for c in columns]
    return [c for c in columns if c not in spec.remove]


def _explode_args(spec: InputSpec) -> tuple[str, str | None]:
    if isinstance(spec.explode, str):
        return spec.explode, None
    assert spec.explode is not None
    return spec.explode.column, spec.explode.into


def parse_split(split: str) -> tuple[str, str, str]:
    match = _SPLIT.match(split)
    if not match:
        raise DistilError(
            f'input.split {split!r}: expected a name with an optional slice, "train[:10]"'
        )
    return match.group(1), match.group(2) or "", match.group(3) or ""


def _slice(dataset: Dataset, start: str, stop: str) -> Dataset:
    if not start and not stop:
        return dataset
    n = len(dataset)

    def bound(text: str, default: int) -> int:
        if not text:
            return default
        return int(text[:-1]) * n // 100 if text.endswith("%") else int(text)

    return dataset.select(range(n)[bound(start, 0) : bound(stop, n)])


def _load_local(path: Path, split: str) -> Dataset:
    import pyarrow as pa

    if path.is_dir():
        return _load_folder(path, split)
    readers = {
        ".jsonl": read_jsonl,
        ".json": lambda p: read_json(p, split),
        ".csv": read_csv,
        ".parquet": read_parquet,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise DistilError(
            f"{path}: unsupported input; use {', '.join(FILE_SUFFIXES)} or a saved dataset folder"
        )
    try:
        return _wrap(reader(path))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise DistilError(f"{path}: cannot read: {exc}") from None


def _wrap(table: pa.Table) -> Dataset:
    """A Dataset over an Arrow table, without hashing every byte for a fingerprint."""
    from datasets import Dataset
    from datasets.fingerprint import generate_random_fingerprint

    return Dataset(table, fingerprint=generate_random_fingerprint())


def _load_folder(path: Path, split: str) -> Dataset:
    from datasets import DatasetDict

    from distilabel_cli.dataset.custom_dataset import CustomDataset

    if (path / "dataset_dict.json").is_file():
        splits = DatasetDict.load_from_disk(str(path))
        if split not in splits:
            raise DistilError(f"{path}: no split {split!r} (splits: {', '.join(splits)})")
        return splits[split]
    if (path / "state.json").is_file():
        return CustomDataset.load_from_disk(path)
    raise DistilError(f"{path}: not a saved dataset folder (no state.json or dataset_dict.json)")


def _load_hub(path: str, split: str) -> Dataset:
    import datasets

    try:
        loaded = datasets.load_dataset(path, split=split)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear message
        raise DistilError(
            f"input.path {path!r} is not a local file or folder, and loading it from the "
            f"Hugging Face Hub failed: {type(exc).__name__}: {exc}"
        ) from None
    assert isinstance(loaded, datasets.Dataset)
    return loaded


def _peek_columns(path: Path, split: str) -> list[str] | None:
    """Column names read without loading rows: a folder's dataset_info.json, a JSONL file's
    first object, a CSV header, a JSON file's keys, a Parquet schema (the one use of pyarrow).
    """
    try:
        if path.is_dir():
            info = path / "dataset_info.json"
            if info.is_file():
                return list(json.loads(info.read_text(encoding="utf-8")).get("features", {}))
            return None
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            return peek_jsonl_columns(path)
        if suffix == ".csv":
            return peek_csv_columns(path)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if suffix == ".json":
            return row_keys(json_rows(path, split))
    except (OSError, ValueError) as exc:  # (pyarrow.ArrowInvalid is a ValueError)
        raise DistilError(f"{path}: cannot read: {exc}") from None
    return None
