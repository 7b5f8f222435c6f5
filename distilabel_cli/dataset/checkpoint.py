"""Append-only, crash-safe checkpoints of finished rows.

A checkpoint is a folder with `meta.json` (the pipeline's fingerprint) and `rows.jsonl`,
one line per finished stage of a row: `{"i": index, "h": input hash, "s": stage, "c": columns}`.
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

META_FILE = "meta.json"
ROWS_FILE = "rows.jsonl"
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

    @property
    def folder(self) -> Path:
        return Path(self.path)


def row_hash(row: dict[str, Any]) -> str:
    """A short stable hash of an input row: resuming against changed input is refused."""
    data = orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class SavedRows:
    """What a checkpoint holds: the fingerprint and each row's saved columns per stage."""

    meta: dict[str, Any]
    columns: dict[int, dict[str, Any]] = field(default_factory=dict)
    stages: dict[int, set[str]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)


def read_checkpoint(folder: Path) -> SavedRows | None:
    """Read a checkpoint folder; None when there is none. A torn last line is ignored."""
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        return None
    saved = SavedRows(meta=json.loads(meta_path.read_text(encoding="utf-8")))
    rows_path = folder / ROWS_FILE
    if rows_path.is_file():
        with rows_path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # torn by a crash mid-write
                record = orjson.loads(line)
                index = record["i"]
                saved.columns.setdefault(index, {}).update(record["c"])
                saved.stages.setdefault(index, set()).add(record["s"])
                saved.hashes[index] = record["h"]
    return saved


def start_checkpoint(folder: Path, meta: dict[str, Any]) -> None:
    """Create an empty checkpoint with its fingerprint, replacing any old one."""
    if folder.exists():
        if folder.is_file() or (any(folder.iterdir()) and not (folder / META_FILE).is_file()):
            raise DistilError(f"checkpoint path {folder} exists and is not a distil checkpoint")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder / META_FILE)


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
        line = orjson.dumps(record, option=_OPTIONS, default=str) + b"\n"
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
