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
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from distilabel_cli.errors import DistilError

META_FILE = "meta.json"
ROWS_FILE = "rows.jsonl"
GENERATED, LABELLED = "g", "l"

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
    text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


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
                record = json.loads(line)
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
    """Appends finished stages to `rows.jsonl`; fsyncs in the background every N rows."""

    def __init__(self, folder: Path, save_frequency: int, on_save: Any = None) -> None:
        path = folder / ROWS_FILE
        _drop_torn_tail(path)
        self._file = path.open("a", encoding="utf-8")
        self._every = save_frequency if save_frequency > 0 else 0
        self._pending = 0
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distil-fsync")
        self._on_save = on_save
        self.saves = 0

    def append(self, index: int, digest: str, stage: str, columns: dict[str, Any]) -> None:
        """Hand one finished stage of a row to the OS now."""
        record = {"i": index, "h": digest, "s": stage, "c": columns}
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()
        self._pending += 1
        if self._every and self._pending >= self._every:
            self._save()

    def _save(self) -> None:
        self._pending = 0
        self.saves += 1
        fd = self._file.fileno()
        self._syncer.submit(os.fsync, fd)
        if self._on_save is not None:
            self._on_save()

    def close(self) -> None:
        """Flush, fsync and close; the checkpoint is whole after this."""
        if self._file.closed:
            return
        self._file.flush()
        self._syncer.shutdown(wait=True)
        os.fsync(self._file.fileno())
        self._file.close()
        if self._on_save is not None:
            self._on_save()


def _drop_torn_tail(path: Path) -> None:
    """Cut a half-written last line so that new lines start clean."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        handle.truncate(data.rfind(b"\n") + 1)
