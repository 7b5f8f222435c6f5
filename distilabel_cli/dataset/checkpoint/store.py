"""Append-only, crash-safe checkpoints of finished rows.

A checkpoint is a folder with a `.distil-checkpoint` marker (only distil writes it: a folder
without it is never deleted), `meta.json` (the pipeline's fingerprint, the added columns'
features and the task), `inputs.parquet` (the input rows, so the folder opens as a dataset)
and `rows.jsonl`, one line per finished stage of a row:
`{"i": index, "h": input hash, "s": stage, "c": columns}`. A stage saved again (failed items
retried) is a new line that replaces the earlier one; a new generation line also drops the
row's earlier labels, which were made from the old generations.
Each line is handed to the OS as its row finishes (a `kill -9` loses only requests in flight);
`save_frequency` rows between fsyncs bound what a machine crash can lose. The cost of a
save never grows with the rows already saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from distilabel_cli.errors import DistilError
from distilabel_cli.redact import redact

META_FILE = "meta.json"
ROWS_FILE = "rows.jsonl"
INPUTS_FILE = "inputs.parquet"
#: Written first into every checkpoint folder distil creates; nothing else is ever deleted.
MARKER_FILE = ".distil-checkpoint"
LOCK_FILE = ".lock"
GENERATED, LABELLED = "g", "l"
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

ResumeMode = Literal["auto", "fresh", "require"]


@dataclass
class DatasetCheckpoint:
    """Where and how often finished rows are saved, and what to do with an existing one.

    `strategy="hf-hub"` also pushes the checkpoint to `extra_kwargs["repo_id"]` every
    `save_frequency` rows (token: `extra_kwargs["token"]`, `HF_TOKEN` or `HF_API_TOKEN`).
    `resume`: `auto` resumes a matching checkpoint, `fresh` starts over, `require` fails
    when there is nothing to resume.
    """

    path: str | Path = "checkpoint"
    save_frequency: int = 100
    strategy: Literal["disk", "hf-hub"] = "disk"
    extra_kwargs: dict[str, Any] = field(default_factory=dict)
    resume: ResumeMode = "auto"
    #: Made by `distil run`: messages name CLI options rather than Python arguments.
    from_cli: bool = field(default=False, repr=False)

    @property
    def folder(self) -> Path:
        return Path(self.path)


def row_hash(row: dict[str, Any]) -> str:
    """A short stable hash of an input row: resuming against changed input is refused."""
    data = orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class SavedRows:
    """What a checkpoint holds: the meta data and each row's saved columns per stage."""

    meta: dict[str, Any]
    stage_columns: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)

    @property
    def columns(self) -> dict[int, dict[str, Any]]:
        """Each row's columns: its generation stage, then its labelling stage."""
        return {i: _merged(stages) for i, stages in self.stage_columns.items()}

    @property
    def stages(self) -> dict[int, set[str]]:
        return {i: set(stages) for i, stages in self.stage_columns.items()}


def _merged(stages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for stage in (GENERATED, LABELLED):
        merged.update(stages.get(stage, {}))
    return merged


def is_checkpoint(folder: Path) -> bool:
    """A folder distil made as a checkpoint (its marker; or an older distil's `meta.json`)."""
    if (folder / MARKER_FILE).is_file():
        return True
    return _legacy_meta(folder)


def _legacy_meta(folder: Path) -> bool:
    """`meta.json` written by a distil release before the marker existed."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    fingerprint = meta.get("fingerprint") if isinstance(meta, dict) else None
    return isinstance(fingerprint, dict) and "num_generations" in fingerprint


def check_checkpoint_folder(folder: Path) -> None:
    """Refuse a checkpoint path that is a file or a folder distil did not make."""
    if folder.is_file():
        raise DistilError(f"checkpoint path {folder} is a file, not a checkpoint folder")
    if folder.is_dir() and any(folder.iterdir()) and not is_checkpoint(folder):
        raise DistilError(
            f"checkpoint path {folder} exists and is not a distil checkpoint (no "
            f"{MARKER_FILE} marker); distil never deletes it: choose another checkpoint.path"
        )


def read_meta(folder: Path) -> dict[str, Any] | None:
    """A checkpoint's `meta.json` (None when there is none); corrupt: a `DistilError`."""
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DistilError(f"{meta_path}: corrupt checkpoint meta file ({exc})") from None
    return meta


def read_checkpoint(folder: Path) -> SavedRows | None:
    """Read a checkpoint folder; None when there is none. A torn last line is ignored;
    any other unreadable line or meta file is a `DistilError` naming the file and line."""
    meta = read_meta(folder)
    if meta is None:
        return None
    saved = SavedRows(meta=meta)
    rows_path = folder / ROWS_FILE
    if rows_path.is_file():
        with rows_path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    break  # torn by a crash mid-write
                _read_line(saved, line, rows_path, number)
    return saved


def parse_line(line: bytes, path: Path, number: int) -> tuple[int, str, str, dict[str, Any]]:
    """A checkpoint line as (row index, input hash, stage, columns); a `DistilError` naming
    the file and line when it is not one."""
    try:
        record = orjson.loads(line)
        index, stage, columns = record["i"], record["s"], record["c"]
        if not isinstance(index, int) or stage not in (GENERATED, LABELLED):
            raise ValueError("not a checkpoint line")
        if not isinstance(columns, dict):
            raise ValueError("columns are not an object")
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
        reason = "not valid JSON" if isinstance(exc, orjson.JSONDecodeError) else str(exc)
        raise DistilError(
            f"{path}:{number}: corrupt checkpoint line ({reason}); remove that line to "
            "resume without it (its row is generated again)"
        ) from None
    return index, record["h"], stage, columns


def _read_line(saved: SavedRows, line: bytes, path: Path, number: int) -> None:
    index, digest, stage, columns = parse_line(line, path, number)
    stages = saved.stage_columns.setdefault(index, {})
    if stage == GENERATED:
        stages.pop(LABELLED, None)  # labels were made from the generations this line replaces
    stages[stage] = columns
    saved.hashes[index] = digest


def start_checkpoint(folder: Path, meta: dict[str, Any]) -> None:
    """Make an empty checkpoint with its meta data, clearing an older distil checkpoint
    (never a folder distil did not make; the lock file is kept)."""
    check_checkpoint_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER_FILE).touch()
    for entry in folder.iterdir():
        if entry.name in (MARKER_FILE, LOCK_FILE):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    write_meta(folder, meta)


def write_inputs(folder: Path, dataset: Any) -> None:
    """Save the run's input rows (a `datasets.Dataset`) beside the checkpoint, atomically."""
    import pyarrow.parquet as pq

    table = (dataset.flatten_indices() if dataset._indices is not None else dataset).data.table
    tmp = folder / f".{INPUTS_FILE}.tmp"
    pq.write_table(table, tmp)
    tmp.replace(folder / INPUTS_FILE)


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    """Replace `meta.json` atomically."""
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder / META_FILE)


def redact_line(line: bytes) -> bytes:
    """A JSON line with any registered secret masked (a server may echo one back)."""
    text = line.decode()
    cleaned = redact(text)
    return line if cleaned is text else cleaned.encode()


class CheckpointWriter:
    """Appends finished stages to `rows.jsonl`; fsyncs every `save_frequency` rows.

    Each finished stage is one `write` of one line, made at once from the caller's thread
    (a few microseconds into the page cache), so a `kill -9` loses only requests still in
    flight. The fsync runs in a helper thread; a `write` can block while the file is being
    fsynced, so lines that finish during an fsync wait in memory and the helper writes them
    right after it.
    """

    def __init__(self, folder: Path, save_frequency: int, on_save: Any = None) -> None:
        path = folder / ROWS_FILE
        _drop_torn_tail(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._every = save_frequency if save_frequency > 0 else 0
        self._on_save = on_save
        self._pending = 0  # lines written since the last fsync was started
        self._lock = threading.Lock()
        self._syncing = False  # an fsync is running: lines go to `_held`
        self._held: list[bytes] = []
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._error: BaseException | None = None
        self.saves = 0
        self._thread = threading.Thread(target=self._run, name="distil-checkpoint", daemon=True)
        self._thread.start()

    def append(self, index: int, digest: str, stage: str, columns: dict[str, Any]) -> None:
        """Write one finished stage of a row (held in memory while an fsync runs)."""
        if self._error is not None:
            raise DistilError(f"cannot write the checkpoint: {self._error}")
        record = {"i": index, "h": digest, "s": stage, "c": columns}
        line = redact_line(orjson.dumps(record, option=_OPTIONS, default=str)) + b"\n"
        with self._lock:
            if self._syncing:
                self._held.append(line)
            else:
                self._write(line)
            self._pending += 1
            if self._every and self._pending >= self._every:
                self._pending = 0
                self._syncing = True
                self._idle.clear()
                self._requests.put(True)

    def wait_written(self) -> None:
        """Block until every appended line has been handed to the OS."""
        self._idle.wait()
        if self._error is not None:
            raise DistilError(f"cannot write the checkpoint: {self._error}")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _run(self) -> None:
        while self._requests.get():
            try:
                os.fsync(self._fd)
                self.saves += 1
                if self._on_save is not None:
                    self._on_save()
            except BaseException as exc:  # noqa: BLE001 - reported by append/close
                self._error = exc
            with self._lock:
                try:
                    if self._held:
                        self._write(b"".join(self._held))
                except BaseException as exc:  # noqa: BLE001 - reported by append/close
                    self._error = exc
                self._held.clear()
                self._syncing = False
                self._idle.set()

    def close(self) -> None:
        """Write what is held, fsync and close; the checkpoint is whole after this."""
        if self._fd < 0:
            return
        self._requests.put(False)
        self._thread.join()
        fd, self._fd = self._fd, -1
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if self._on_save is not None:
            self._on_save()
        if self._error is not None:
            raise DistilError(f"cannot write the checkpoint: {self._error}")


def _drop_torn_tail(path: Path) -> None:
    """Cut a half-written last line so that new lines start clean."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        handle.truncate(data.rfind(b"\n") + 1)
