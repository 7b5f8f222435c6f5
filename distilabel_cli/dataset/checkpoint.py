"""Append-only, crash-safe checkpoints of finished rows.

A checkpoint is a folder with `meta.json` (the pipeline's fingerprint) and `rows.jsonl`,
one line per finished stage of a row: `{"i": index, "h": input hash, "s": stage, "c": columns}`.
Lines are handed to the OS as each row finishes (a `kill -9` loses only requests in flight);
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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from distilabel_cli.errors import DistilError

META_FILE = "meta.json"
ROWS_FILE = "rows.jsonl"
GENERATED, LABELLED = "g", "l"
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
#: The writer thread gathers rows for this long before one write: fewer wake-ups and
#: syscalls, while a finished row still reaches the OS within milliseconds.
COALESCE_SECONDS = 0.02

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
    """Appends finished stages to `rows.jsonl` from a writer thread; fsyncs every N rows.

    `append` only queues the record, so the event loop never waits on the disk (a write
    can block while the file is being fsynced). The thread writes whatever is queued as one
    `write` + `flush`, within a few milliseconds of the rows finishing.
    """

    def __init__(self, folder: Path, save_frequency: int, on_save: Any = None) -> None:
        path = folder / ROWS_FILE
        _drop_torn_tail(path)
        self._file = path.open("ab")
        self._every = save_frequency if save_frequency > 0 else 0
        self._on_save = on_save
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self.saves = 0
        self._thread = threading.Thread(target=self._run, name="distil-checkpoint", daemon=True)
        self._thread.start()

    def append(self, index: int, digest: str, stage: str, columns: dict[str, Any]) -> None:
        """Queue one finished stage of a row (`columns` must not change afterwards)."""
        if self._error is not None:
            raise DistilError(f"cannot write the checkpoint: {self._error}")
        self._queue.put((index, digest, stage, columns))

    def wait_written(self) -> None:
        """Block until everything queued so far is written and flushed."""
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def _run(self) -> None:
        pending = 0
        while True:
            batch = [self._queue.get()]
            time.sleep(COALESCE_SECONDS)  # gather the rows finishing meanwhile: one write
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            lines, events, stop = [], [], False
            for item in batch:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    events.append(item)
                else:
                    index, digest, stage, columns = item
                    record = {"i": index, "h": digest, "s": stage, "c": columns}
                    lines.append(orjson.dumps(record, option=_OPTIONS, default=str) + b"\n")
            try:
                if lines:
                    self._file.write(b"".join(lines))
                    self._file.flush()
                    pending += len(lines)
                if self._every and pending >= self._every:
                    pending = 0
                    os.fsync(self._file.fileno())
                    self.saves += 1
                    if self._on_save is not None:
                        self._on_save()
            except BaseException as exc:  # noqa: BLE001 - reported by append/close
                self._error = exc
            for event in events:
                event.set()
            if stop:
                return

    def close(self) -> None:
        """Write what is queued, fsync and close; the checkpoint is whole after this."""
        if self._file.closed:
            return
        self._queue.put(None)
        self._thread.join()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
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
