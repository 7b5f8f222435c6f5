"""A run's session on its checkpoint: lock, fingerprint check, saved rows, the writing hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from distilabel_cli.columns import GENERATION_MODEL, GENERATION_PROMPT, LABELLING_MODEL
from distilabel_cli.dataset.checkpoint.hub_mirror import sync_for
from distilabel_cli.dataset.checkpoint.line_index import LineIndex
from distilabel_cli.dataset.checkpoint.lock import CheckpointLock
from distilabel_cli.dataset.checkpoint.store import (
    GENERATED,
    INPUTS_FILE,
    LABELLED,
    LOCK_FILE,
    MARKER_FILE,
    ROWS_FILE,
    CheckpointWriter,
    DatasetCheckpoint,
    check_checkpoint_folder,
    read_meta,
    row_hash,
    start_checkpoint,
    write_inputs,
    write_meta,
)
from distilabel_cli.dataset.io.row_source import iter_rows
from distilabel_cli.errors import CheckpointMismatch, DistilError

if TYPE_CHECKING:
    from datasets import Dataset

#: `(row, saved columns) -> plan` with `.done` (nothing left) and `.retry` (failed items).
RowPlanner = Callable[[dict[str, Any], dict[str, Any]], Any]
RowCallback = Callable[[int, dict[str, Any]], None]


def differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ, as `key: old -> new`."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    return [] if old == new else [f"{prefix.rstrip('.')}: {old!r} -> {new!r}"]


def fresh_hint(checkpoint: DatasetCheckpoint) -> str:
    """How to start over, in the words of the caller (the CLI or Python)."""
    if checkpoint.from_cli:
        return "use --fresh to start over"
    return "pass DatasetCheckpoint(..., resume='fresh') to start over"


def resume_hint(checkpoint: DatasetCheckpoint) -> str:
    """How to resume after an interrupted or failed run, in the caller's words."""
    if checkpoint.from_cli:
        again = (
            "the command again without --fresh"
            if checkpoint.resume == "fresh"
            else ("the same command again")
        )
        return f"run {again} to resume"
    if checkpoint.resume == "fresh":
        return "call generate again with DatasetCheckpoint(resume='auto') to resume"
    return "call generate again with the same checkpoint to resume"


class CheckpointSession:
    """Opens (or resumes) a checkpoint for one run and saves each finished stage.

    The checkpoint folder is locked for the session: a second run on it is refused. Saved rows
    are not held in memory: a `LineIndex` finds each row's lines when its turn comes.
    """

    def __init__(
        self,
        checkpoint: DatasetCheckpoint,
        meta: dict[str, Any],
        source: Dataset,
        plan: RowPlanner,
        on_save: Callable[[], None] | None = None,
        generation_prompt: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        """`meta` holds the `fingerprint` (checked on resume), the added columns' `features`
        and the tasks; `source` the input rows (saved beside the checkpoint, so that it opens
        as a dataset). `plan(row, saved)` says what a saved row still needs.
        `generation_prompt(row)` rebuilds a row's prompt, so the checkpoint need not store it
        (the fingerprint guarantees the same task and format)."""
        self.checkpoint = checkpoint
        self.generation_prompt = generation_prompt
        self._hashes: dict[int, str] = {}  # rows in flight: the hash their lines carry
        self.index: LineIndex | None = None
        folder = checkpoint.folder
        check_checkpoint_folder(folder)  # before anything is written or deleted
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER_FILE).touch()  # empty or ours: from now on it is a checkpoint
        self.lock = CheckpointLock(folder / LOCK_FILE)
        self.lock.acquire()
        try:
            self._restore({**meta, "input_rows": len(source)}, source)
            self._count_saved(source, plan)
            self.finished = self.resumed
            pushes = self.sync.push if self.sync is not None else None
            self.writer = CheckpointWriter(folder, checkpoint.save_frequency, on_save or pushes)
        except BaseException:
            self._close_index()
            self.lock.release()
            raise

    def _restore(self, meta: dict[str, Any], source: Dataset) -> None:
        """Check an earlier checkpoint against this run (or start one), and index its lines."""
        checkpoint = self.checkpoint
        folder = checkpoint.folder
        self.sync = sync_for(checkpoint)
        if self.sync is not None:
            if checkpoint.resume == "fresh":
                self.sync.clear_remote()
            else:
                self.sync.restore()
        old_meta = None if checkpoint.resume == "fresh" else read_meta(folder)
        if old_meta is None and checkpoint.resume == "require":
            raise DistilError(f"nothing to resume: no checkpoint at {folder}")
        if old_meta is not None:
            self._check(old_meta.get("fingerprint"), meta["fingerprint"])
            self.index = LineIndex(folder / ROWS_FILE, len(source))
            if old_meta.get("input_rows") != len(source) or not (folder / INPUTS_FILE).is_file():
                write_meta(folder, meta)
                write_inputs(folder, source)
        else:
            start_checkpoint(folder, meta)
            write_inputs(folder, source)

    def _count_saved(self, source: Dataset, plan: RowPlanner) -> None:
        """Check each saved row against its input row, and count what the run resumes: rows
        done, rows with failed items to retry, and the stages already saved."""
        self.resumed = self.retrying = self.saved_generations = self.saved_labels = 0
        if self.index is None:
            return
        for index, row in iter_rows(source, self.index.saved_indices()):
            columns = self.saved(index, row)
            assert columns is not None
            self._hashes.pop(index, None)
            todo = plan(row, columns)
            self.resumed += todo.done
            self.retrying += todo.retry
            self.saved_generations += GENERATION_MODEL in columns
            self.saved_labels += LABELLING_MODEL in columns

    def saved(self, index: int, row: dict[str, Any]) -> dict[str, Any] | None:
        """The columns saved for input row `index` (None: nothing); refuses a row that is
        not the one the checkpoint was made from. Remembers the row's hash for its lines."""
        digest = row_hash(row)
        self._hashes[index] = digest
        found = self.index.read(index) if self.index is not None else None
        if found is None:
            return None
        saved_digest, columns = found
        if saved_digest != digest:
            raise CheckpointMismatch(
                f"input row {index + 1} is not the row checkpoint {self.checkpoint.folder} "
                f"was made from (the input data changed); {fresh_hint(self.checkpoint)}"
            )
        return self._restore_prompt(columns, row)

    def forget(self, index: int) -> None:
        """Row `index` is written out: its hash is no longer needed."""
        self._hashes.pop(index, None)

    def _check(self, old: Any, new: dict[str, Any]) -> None:
        changed = differences(old, new)
        if changed:
            raise CheckpointMismatch(
                f"checkpoint {self.checkpoint.folder} was made by a different pipeline; "
                f"{fresh_hint(self.checkpoint)}: the answers to unchanged requests come from "
                "the request cache, unless it is off (or restore the spec)",
                details=[f"changed: {line}" for line in changed[:10]],
            )

    def _restore_prompt(self, columns: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
        models = columns.get(GENERATION_MODEL)
        if self.generation_prompt is None or models is None or GENERATION_PROMPT in columns:
            return columns
        return {**columns, GENERATION_PROMPT: [self.generation_prompt(row)] * len(models)}

    def callbacks(self) -> dict[str, RowCallback]:
        """The engine's hooks that save each finished stage (`on_generated`, ...)."""

        def generated(index: int, columns: dict[str, Any]) -> None:
            if self.generation_prompt is not None:  # rebuilt on resume: not stored
                columns = {k: v for k, v in columns.items() if k != GENERATION_PROMPT}
            self.writer.append(index, self._hashes[index], GENERATED, columns)

        def labelled(index: int, columns: dict[str, Any]) -> None:
            self.writer.append(index, self._hashes[index], LABELLED, columns)

        def done(_index: int, _columns: dict[str, Any]) -> None:
            self.finished += 1

        return {"on_generated": generated, "on_labelled": labelled, "on_row_done": done}

    def _close_index(self) -> None:
        if self.index is not None:
            self.index.close()

    def close(self) -> None:
        try:
            self._close_index()
            self.writer.close()
            if self.sync is not None:
                self.sync.close()
        finally:
            self.lock.release()
