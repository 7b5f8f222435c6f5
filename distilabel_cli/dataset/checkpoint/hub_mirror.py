"""The `hf-hub` checkpoint strategy: mirror the append-only checkpoint to a Hub dataset repo.

Every `save_frequency` rows the lines written since the last push are uploaded as a new part
file (`checkpoint/rows-00001.jsonl`, ...), so a push costs only the new rows. A job on a
preemptible machine resumes elsewhere: the parts are downloaded and joined into a local
checkpoint first. Pushes run in a background thread and never block generation.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from distilabel_cli.dataset.checkpoint.store import INPUTS_FILE, MARKER_FILE, META_FILE, ROWS_FILE
from distilabel_cli.dataset.io.hub import require_hub_token
from distilabel_cli.errors import DistilError

REMOTE_DIR = "checkpoint"
_PART = re.compile(rf"^{REMOTE_DIR}/rows-(\d+)\.jsonl$")


class HubCheckpointSync:
    """Pushes new checkpoint lines to `repo_id`; restores a checkpoint from it."""

    def __init__(self, folder: Path, repo_id: str, token: str | None, private: bool = True) -> None:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        token = require_hub_token(token, "checkpoint strategy hf-hub")
        self.folder, self.repo_id = folder, repo_id
        self.api = HfApi(token=token)
        try:
            self.api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            self.remote_parts = self._parts()
        except HfHubHTTPError as exc:
            raise DistilError(
                f"hf-hub checkpoint repo {repo_id!r}: {str(exc).splitlines()[0]}"
            ) from None
        self.next_part = max(self.remote_parts, default=0) + 1
        self.pushed_bytes = 0
        self.pushes = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distil-hub")
        self._future: Future[None] | None = None
        self._dirty = False

    def _parts(self) -> dict[int, str]:
        files = self.api.list_repo_files(self.repo_id, repo_type="dataset")
        return {int(m.group(1)): f for f in files if (m := _PART.match(f))}

    def restore(self) -> bool:
        """Download the remote checkpoint when there is none locally; True if one was restored."""
        if (self.folder / META_FILE).is_file() or not self.remote_parts and not self._has_meta():
            self.pushed_bytes = _size(self.folder / ROWS_FILE)
            return False
        from huggingface_hub import hf_hub_download

        self.folder.mkdir(parents=True, exist_ok=True)

        def fetch(name: str) -> bytes:
            path = hf_hub_download(self.repo_id, name, repo_type="dataset", token=self.api.token)
            return Path(path).read_bytes()

        rows = b"".join(fetch(self.remote_parts[k]) for k in sorted(self.remote_parts))
        (self.folder / MARKER_FILE).touch()
        (self.folder / ROWS_FILE).write_bytes(rows)
        (self.folder / META_FILE).write_bytes(fetch(f"{REMOTE_DIR}/{META_FILE}"))
        if self.api.file_exists(self.repo_id, f"{REMOTE_DIR}/{INPUTS_FILE}", repo_type="dataset"):
            (self.folder / INPUTS_FILE).write_bytes(fetch(f"{REMOTE_DIR}/{INPUTS_FILE}"))
        self.pushed_bytes = len(rows)
        return True

    def _has_meta(self) -> bool:
        return self.api.file_exists(self.repo_id, f"{REMOTE_DIR}/{META_FILE}", repo_type="dataset")

    def clear_remote(self) -> None:
        """Forget the remote checkpoint (a fresh start)."""
        if self.remote_parts or self._has_meta():
            self.api.delete_folder(REMOTE_DIR, repo_id=self.repo_id, repo_type="dataset")
        self.remote_parts, self.next_part = {}, 1

    def push(self) -> None:
        """Schedule a push of the new lines (coalesced while one is running)."""
        with self._lock:
            if self._future is not None and not self._future.done():
                self._dirty = True
                return
            self._future = self._executor.submit(self._push_loop)

    def _push_loop(self) -> None:
        while True:
            self._push_now()
            with self._lock:
                if not self._dirty:
                    return
                self._dirty = False

    def _push_now(self) -> None:
        from huggingface_hub import CommitOperationAdd

        rows_path = self.folder / ROWS_FILE
        with rows_path.open("rb") as handle:
            handle.seek(self.pushed_bytes)
            new = handle.read()
        new = new[: new.rfind(b"\n") + 1]
        if not new and self.pushes:
            return
        operations = [CommitOperationAdd(f"{REMOTE_DIR}/{META_FILE}", str(self.folder / META_FILE))]
        inputs = self.folder / INPUTS_FILE
        if not self.pushes and inputs.is_file():  # once a run: the rows it was made from
            operations.append(CommitOperationAdd(f"{REMOTE_DIR}/{INPUTS_FILE}", str(inputs)))
        if new:
            name = f"{REMOTE_DIR}/rows-{self.next_part:05d}.jsonl"
            operations.append(CommitOperationAdd(name, new))
        self.api.create_commit(
            self.repo_id, operations, repo_type="dataset", commit_message="distil checkpoint"
        )
        self.pushed_bytes += len(new)
        self.next_part += 1 if new else 0
        self.pushes += 1

    def close(self) -> None:
        """Wait for pushes in flight, then push what is left."""
        with self._lock:
            future = self._future
        if future is not None:
            future.result()
        self._push_now()
        self._executor.shutdown(wait=True)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def sync_for(checkpoint: Any) -> HubCheckpointSync | None:
    """The Hub mirror a DatasetCheckpoint asks for (None for the disk strategy)."""
    if checkpoint.strategy != "hf-hub":
        return None
    repo_id = checkpoint.extra_kwargs.get("repo_id")
    if not repo_id:
        raise DistilError("checkpoint strategy hf-hub needs extra_kwargs['repo_id']")
    return HubCheckpointSync(
        checkpoint.folder,
        repo_id,
        checkpoint.extra_kwargs.get("token"),
        checkpoint.extra_kwargs.get("private", True),
    )
