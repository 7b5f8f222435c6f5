"""The crash-safe record of a run's Batch API work: which files and batches exist, for which
requests, and the results already downloaded.

`batches.jsonl` in a state folder is append-only, one event a line, each written (and
fsynced) as soon as what it names exists: `uploaded` (an input file and its `custom_ids`),
`created` (a batch made from a file), `status` (a batch's status changed), `downloaded`
(its output and error lines are saved in `batch-results/BATCH.jsonl`, never fetched again)
and `lost` (the server no longer knows the batch). A rerun reads it back to re-attach to
pending batches instead of paying again. Several processes may append to the same file.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

STATE_FILE = "batches.jsonl"
RESULTS_FOLDER = "batch-results"
#: Batch statuses after which nothing changes any more.
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass
class BatchRecord:
    """What is known of one batch."""

    batch_id: str
    file_id: str
    status: str = "validating"
    counts: dict[str, int] = field(default_factory=dict)
    output_file: str | None = None
    error_file: str | None = None
    downloaded: bool = False
    lost: bool = False
    created: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass
class FileRecord:
    """An uploaded input file: its requests, and the batch made from it (if any yet)."""

    file_id: str
    base_url: str
    endpoint: str
    custom_ids: list[str]
    batch_id: str | None = None


class BatchState:
    """The events of `folder/batches.jsonl`, read once and appended to as work goes on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self.files: dict[str, FileRecord] = {}
        self.batches: dict[str, BatchRecord] = {}
        #: custom_id -> the latest file that holds it.
        self.owner: dict[str, str] = {}
        if self.path.is_file():
            for line in self.path.read_bytes().splitlines():
                if line.strip():
                    try:
                        self._apply(orjson.loads(line))
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        continue  # a line cut short by a crash

    def record(self, event: str, **data: Any) -> None:
        """Append one event and apply it (written to disk before this returns)."""
        entry = {"event": event, "time": time.time(), **data}
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as handle:
            handle.write(orjson.dumps(entry) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._apply(entry)

    def _apply(self, entry: dict[str, Any]) -> None:
        event = entry["event"]
        if event == "uploaded":
            record = FileRecord(
                entry["file"], entry["base_url"], entry["endpoint"], entry["custom_ids"]
            )
            self.files[record.file_id] = record
            self.owner.update(dict.fromkeys(record.custom_ids, record.file_id))
        elif event == "created":
            self.files[entry["file"]].batch_id = entry["batch"]
            self.batches[entry["batch"]] = BatchRecord(
                entry["batch"], entry["file"], created=entry["time"]
            )
        elif event == "status":
            batch = self.batches[entry["batch"]]
            batch.status = entry["status"]
            batch.counts = entry.get("counts") or {}
            batch.output_file = entry.get("output_file")
            batch.error_file = entry.get("error_file")
        elif event == "downloaded":
            self.batches[entry["batch"]].downloaded = True
        elif event == "lost":
            self.batches[entry["batch"]].lost = True

    def holder(self, custom_id: str, base_url: str) -> FileRecord | None:
        """The latest file of this server holding `custom_id` (None: never sent)."""
        file_id = self.owner.get(custom_id)
        record = self.files.get(file_id) if file_id else None
        return record if record is not None and record.base_url == base_url else None

    def results_path(self, batch_id: str) -> Path:
        return self.folder / RESULTS_FOLDER / f"{batch_id}.jsonl"

    def save_results(self, batch_id: str, lines: bytes) -> None:
        """Keep a finished batch's output and error lines, then record that they are here."""
        path = self.results_path(batch_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(lines)
        os.replace(temporary, path)
        self.record("downloaded", batch=batch_id)

    def results(self, batch_id: str) -> dict[str, dict[str, Any]]:
        """A downloaded batch's result lines by custom_id ({} when none are saved)."""
        path = self.results_path(batch_id)
        if not path.is_file():
            return {}
        lines = (orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip())
        return {line["custom_id"]: line for line in lines}

    def listing(self) -> list[tuple[BatchRecord, FileRecord]]:
        """Every batch with its input file, oldest first."""
        pairs = [(b, self.files[b.file_id]) for b in self.batches.values()]
        return sorted(pairs, key=lambda pair: pair[0].created)
