"""What a report reads: a dataset's Arrow table plus, when present, its distil sidecars."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import pyarrow as pa

REPORT_FILE = "report.html"
#: Sidecars distil writes beside a saved dataset (see dataset/custom_dataset.py).
TASK_SIDECAR = "distilabel-task.json"
RUN_SIDECAR = "distil-run.json"
FILE_SUFFIXES = (".jsonl", ".parquet")


@dataclass
class ReportSource:
    """One dataset to report on: its rows as Arrow, and what distil recorded about its run."""

    table: pa.Table
    path: Path
    #: `distil-run.json` (distil version, spec, run report), when there is one.
    run: dict[str, Any] | None = None
    #: `distilabel-task.json` (the task's fields and `__type_info__`), when there is one.
    task: dict[str, Any] | None = None

    @property
    def report(self) -> dict[str, Any]:
        """The run report of `distil-run.json` ({} without one)."""
        return (self.run or {}).get("report") or {}

    @property
    def spec(self) -> dict[str, Any]:
        return (self.run or {}).get("spec") or {}

    @property
    def task_name(self) -> str | None:
        return ((self.task or {}).get("__type_info__") or {}).get("name")

    @property
    def rating_scale(self) -> tuple[int, int] | None:
        """The (lowest, highest) rating the dataset's task gives, when its sidecar says."""
        if self.task is None:
            return None
        from distilabel_cli.tasks import task_from_sidecar

        try:
            task = task_from_sidecar(self.task)
        except Exception:  # noqa: BLE001 - a sidecar the report cannot use is left out
            return None
        scale = getattr(task, "rating_scale", None) or getattr(task, "score_range", None)
        return tuple(scale) if isinstance(scale, tuple | list) and len(scale) == 2 else None

    @property
    def title(self) -> str:
        return self.spec.get("name") or self.path.stem


def default_target(path: Path) -> Path:
    """`FOLDER/report.html` for a saved dataset folder, `NAME-report.html` beside anything else
    (a data file, a checkpoint folder: distil never writes into a checkpoint)."""
    if path.is_dir() and _is_saved_dataset(path):
        return path / REPORT_FILE
    return path.with_name(f"{path.stem if path.is_file() else path.name}-report.html")


def load_source(path: Path) -> ReportSource:
    """Read a saved dataset folder, a checkpoint folder, or a `.jsonl` / `.parquet` file."""
    if not path.exists():
        raise DistilError(f"{path}: no such file or folder")
    if path.is_dir():
        return _load_folder(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise DistilError(
            f"{path}: cannot report on a {path.suffix or 'suffix-less'} file; "
            "give a saved dataset folder, a .jsonl or a .parquet file"
        )
    table = _read_file(path)
    # `output.formats` writes data.jsonl / data.parquet into the dataset folder, by its sidecars
    return ReportSource(table, path, _sidecar(path.parent, RUN_SIDECAR), _sidecar(path.parent))


def _is_saved_dataset(path: Path) -> bool:
    return (path / "state.json").is_file()


def _load_folder(path: Path) -> ReportSource:
    from distilabel_cli.dataset import is_checkpoint_folder

    if is_checkpoint_folder(path):
        from distilabel_cli.dataset.checkpoint.as_dataset import load_checkpoint_dataset

        dataset = load_checkpoint_dataset(path)
        task = dataset.task.to_sidecar() if dataset.task is not None else None
        return ReportSource(dataset.with_format("arrow")[:], path, None, task)
    if (path / "dataset_dict.json").is_file():
        splits = ", ".join(sorted(p.name for p in path.iterdir() if p.is_dir()))
        raise DistilError(
            f"{path}: a dataset with several splits ({splits}); give one split's folder, "
            f"e.g. {path / 'train'}"
        )
    if not _is_saved_dataset(path):
        raise DistilError(
            f"{path}: not a saved dataset folder (no state.json); give a folder written by "
            "distil or `datasets`' save_to_disk, a .jsonl or a .parquet file"
        )
    return ReportSource(_read_saved(path), path, _sidecar(path, RUN_SIDECAR), _sidecar(path))


def _read_saved(path: Path) -> pa.Table:
    """The Arrow files `save_to_disk` lists in state.json, memory-mapped (no copy, and no
    `datasets` import: a second saved on a 1M-row report)."""
    import pyarrow as pa

    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        files = [path / entry["filename"] for entry in state["_data_files"]]
        tables = [pa.ipc.open_stream(pa.memory_map(str(file))).read_all() for file in files]
        return pa.concat_tables(tables) if len(tables) != 1 else tables[0]
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise DistilError(f"{path}: cannot read the saved dataset: {exc}") from None


def _read_file(path: Path) -> pa.Table:
    import pyarrow as pa

    from distilabel_cli.dataset.io.readers import read_jsonl, read_parquet

    reader = read_jsonl if path.suffix.lower() == ".jsonl" else read_parquet
    try:
        return reader(path)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise DistilError(f"{path}: cannot read: {exc}") from None


def _sidecar(folder: Path, name: str = TASK_SIDECAR) -> dict[str, Any] | None:
    """A JSON sidecar of a dataset folder; a missing or unreadable one is left out."""
    file = folder / name
    if not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
