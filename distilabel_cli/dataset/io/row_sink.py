"""Where finished rows go as they finish: Arrow batches, never one Python list of all rows.

A `RowSink` takes output rows (input columns and the pipeline's new columns) in input order
and writes them in batches of `BATCH_ROWS` with datasets' own `ArrowWriter`: into a staging
folder beside the output (`FolderSink`: the `save_to_disk` layout, data files of at most
`MAX_FILE_BYTES`, plus the jsonl/parquet exports written batch by batch), or into memory
(`MemorySink`, for the Python API). `finish` makes the dataset: the staging folder becomes the
output folder in one rename and is opened memory-mapped, so no step holds every row.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.custom_dataset import (
    CustomDataset,
    refuse_to_replace,
    replace_folder,
    write_sidecars,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Features

    from distilabel_cli.tasks.base import Task

#: Rows per written Arrow batch: large enough for columnar speed, small enough for memory.
BATCH_ROWS = 1000
#: A data file is closed and the next one started past this size (datasets' default shard).
MAX_FILE_BYTES = 500 * 2**20
#: In a staging folder: the pid of the run that writes it (stale ones are removed).
STAGING_MARKER = ".distil-staging"
EXPORT_FILES = {"jsonl": "data.jsonl", "parquet": "data.parquet"}


class RowSink:
    """Collects output rows into Arrow batches; subclasses say where batches go."""

    def __init__(self, features: Features) -> None:
        self.features = features
        self.rows = 0
        self._batch: dict[str, list[Any]] = {name: [] for name in features}

    def add(self, row: dict[str, Any]) -> None:
        """One output row; rows come in input order (a run that stopped leaves gaps)."""
        for name, values in self._batch.items():
            values.append(row.get(name))
        self.rows += 1
        if len(next(iter(self._batch.values()), ())) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the rows added since the last flush as one Arrow table."""
        import pyarrow as pa

        if not self._batch or not next(iter(self._batch.values())):
            return
        encoded = self.features.encode_batch(self._batch)
        table = pa.Table.from_pydict(encoded, schema=self.features.arrow_schema)
        self._batch = {name: [] for name in self.features}
        self.write(table)

    def write(self, table: pa.Table) -> None:
        raise NotImplementedError


class MemorySink(RowSink):
    """Keeps the Arrow batches in memory (compact columns, not Python objects)."""

    def __init__(self, features: Features) -> None:
        super().__init__(features)
        self._tables: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        self._tables.append(table)

    def finish(
        self, task: Task | None = None, run_info: dict[str, Any] | None = None
    ) -> CustomDataset:
        import pyarrow as pa
        from datasets import Dataset
        from datasets.fingerprint import generate_random_fingerprint

        self.flush()
        schema = self.features.arrow_schema
        table = pa.concat_tables(self._tables) if self._tables else schema.empty_table()
        self._tables = []
        dataset = Dataset(table, fingerprint=generate_random_fingerprint())
        return CustomDataset.from_dataset(dataset, task, run_info)


class FolderSink(RowSink):
    """Writes batches into a staging folder beside `target`; `finish` puts it in place.

    The staging folder is `.NAME.distil-XXXX` in the output's parent; a marker holds the
    writer's pid, so a folder left by a killed run is removed by the next run.
    """

    def __init__(self, features: Features, target: Path, formats: tuple[str, ...] = ()) -> None:
        super().__init__(features)
        self.target = target
        refuse_to_replace(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(target)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.distil-", dir=target.parent))
        (self.staging / STAGING_MARKER).write_text(str(os.getpid()))
        self._files: list[str] = []
        self._writer: Any = None
        self._exports = {fmt: _Export(fmt, self.staging, features) for fmt in formats}
        self._closed = False  # files written and closed: only the move is left

    def write(self, table: pa.Table) -> None:
        if self._writer is not None and self._writer._num_bytes >= MAX_FILE_BYTES:
            self._close_file()
        if self._writer is None:
            from datasets.arrow_writer import ArrowWriter

            name = f"data-{len(self._files):05d}.arrow"
            self._files.append(name)
            self._writer = ArrowWriter(features=self.features, path=str(self.staging / name))
        self._writer.write_table(table)
        for export in self._exports.values():
            export.write(table)

    def _close_file(self) -> None:
        self._writer.finalize()
        self._writer.close()
        self._writer = None

    def finish(
        self,
        task: Task | None = None,
        run_info: dict[str, Any] | None = None,
        target: Path | None = None,
    ) -> CustomDataset:
        """Close the files, write the dataset's state and sidecars, and move the folder to
        `target` (default: the output); returns the dataset, memory-mapped from there."""
        if not self._closed:
            self.flush()
            if self._writer is None:  # no rows: an empty data file, as save_to_disk writes
                self.write(self.features.arrow_schema.empty_table())
            self._close_file()
            for export in self._exports.values():
                export.close()
            self._exports = {}
            self._write_state()
            write_sidecars(self.staging, task, run_info)
            (self.staging / STAGING_MARKER).unlink()
            self._closed = True
        target = target or self.target
        refuse_to_replace(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.parent.resolve() == self.staging.parent.resolve():
            replace_folder(self.staging, target)
        else:  # the fallback in the working folder: maybe another file system
            shutil.move(self.staging, target)
        return CustomDataset.load_from_disk(target)

    def _write_state(self) -> None:
        """`state.json` and `dataset_info.json`, as `Dataset.save_to_disk` writes them."""
        from datasets import DatasetInfo
        from datasets.fingerprint import generate_random_fingerprint

        count = len(self._files)
        names = []
        for number, name in enumerate(self._files):
            final = f"data-{number:05d}-of-{count:05d}.arrow"
            (self.staging / name).rename(self.staging / final)
            names.append(final)
        state = {
            "_data_files": [{"filename": name} for name in names],
            "_fingerprint": generate_random_fingerprint(),
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": None,
        }
        (self.staging / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
        info = asdict(DatasetInfo(features=self.features))
        info = {key: info[key] for key in sorted(info)}
        (self.staging / "dataset_info.json").write_text(json.dumps(info, indent=2))

    def discard(self) -> None:
        """Remove the staging folder (the rows are elsewhere, e.g. in the checkpoint)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for export in self._exports.values():
            export.close()
        self._exports = {}
        shutil.rmtree(self.staging, ignore_errors=True)


class _Export:
    """A jsonl or parquet copy of the data, written batch by batch as datasets writes it."""

    def __init__(self, fmt: str, folder: Path, features: Features) -> None:
        self.fmt = fmt
        path = folder / EXPORT_FILES[fmt]
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._handle: Any = pq.ParquetWriter(path, features.arrow_schema)
        else:
            self._handle = path.open("wb")

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            self._handle.write_table(table)
            return
        text = table.to_pandas().to_json(orient="records", lines=True, force_ascii=False)
        self._handle.write(text.encode("utf-8"))
        if not text.endswith("\n"):
            self._handle.write(b"\n")

    def close(self) -> None:
        self._handle.close()


def remove_stale_staging(target: Path) -> None:
    """Remove staging folders of `target` left by runs that are gone (never anything else)."""
    for folder in target.parent.glob(f".{target.name}.distil-*"):
        marker = folder / STAGING_MARKER
        try:
            pid = int(marker.read_text())
        except (OSError, ValueError):
            continue  # not ours, or being written: left alone
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
