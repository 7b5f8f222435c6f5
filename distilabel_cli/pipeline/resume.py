"""Resume a pipeline from its checkpoint: fingerprint check, saved rows, the writing hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distilabel_cli.dataset.checkpoint import (
    GENERATED,
    LABELLED,
    CheckpointWriter,
    DatasetCheckpoint,
    read_checkpoint,
    row_hash,
    start_checkpoint,
)
from distilabel_cli.dataset.hub_checkpoint import sync_for
from distilabel_cli.errors import DistilError
from distilabel_cli.llms.base import LLM
from distilabel_cli.pipeline.engine import EngineHooks

FINGERPRINT_VERSION = 1


class CheckpointMismatch(DistilError):
    """The checkpoint was made by another pipeline or for other input rows."""


def llm_fingerprint(llm: LLM | None) -> dict[str, Any] | None:
    """What decides an LLM's outputs (not its concurrency, timeouts, URL or key)."""
    if llm is None:
        return None
    members = getattr(llm, "members", None) or []  # a pool: what decides each member's
    pool = {"members": {str(i): llm_fingerprint(m) for i, m in enumerate(members)}}
    return {
        **(pool if members else {}),
        "backend": type(llm).__name__,
        "model": llm.model_name,
        "max_new_tokens": llm.max_new_tokens,
        "temperature": llm.temperature,
        "top_p": llm.top_p,
        "seed": llm.seed,
        "prompt_format": llm.effective_prompt_format,
        "task": llm.task.fingerprint(),
    }


def pipeline_fingerprint(
    generator: LLM | None, labeller: LLM | None, num_generations: int
) -> dict[str, Any]:
    return {
        "version": FINGERPRINT_VERSION,
        "num_generations": num_generations,
        "generator": llm_fingerprint(generator),
        "labeller": llm_fingerprint(labeller),
    }


def differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ, as `key: old -> new`."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    return [] if old == new else [f"{prefix.rstrip('.')}: {old!r} -> {new!r}"]


class CheckpointSession:
    """Opens (or resumes) a checkpoint for one run and saves each finished stage."""

    def __init__(
        self,
        checkpoint: DatasetCheckpoint,
        fingerprint: dict[str, Any],
        rows: list[dict[str, Any]],
        row_is_complete: Callable[[dict[str, Any]], bool],
        on_save: Callable[[], None] | None = None,
        generation_prompt: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        """`generation_prompt(row)` rebuilds a row's prompt, so the checkpoint need not
        store it (the fingerprint guarantees the same task and format)."""
        self.checkpoint = checkpoint
        self.generation_prompt = generation_prompt
        folder = checkpoint.folder
        self.hashes = [row_hash(row) for row in rows]
        self.sync = sync_for(checkpoint)
        if self.sync is not None:
            if checkpoint.resume == "fresh":
                self.sync.clear_remote()
            else:
                self.sync.restore()
        saved = None if checkpoint.resume == "fresh" else read_checkpoint(folder)
        if saved is None and checkpoint.resume == "require":
            raise DistilError(f"nothing to resume: no checkpoint at {folder}")
        self.prefilled: dict[int, dict[str, Any]] = {}
        if saved is not None:
            self._check(saved.meta.get("fingerprint"), fingerprint)
            for index, columns in saved.columns.items():
                if index >= len(rows):
                    continue  # the input is shorter now (e.g. a smaller --limit)
                if saved.hashes[index] != self.hashes[index]:
                    raise CheckpointMismatch(
                        f"input row {index} is not the row checkpoint {folder} was made "
                        "from (the input data changed); use --fresh to start over"
                    )
                self.prefilled[index] = self._restore_prompt(columns, rows[index])
        else:
            start_checkpoint(folder, {"fingerprint": fingerprint})
        self.resumed = sum(row_is_complete(c) for c in self.prefilled.values())
        self.partly_done = len(self.prefilled) - self.resumed
        self.finished = self.resumed
        pushes = self.sync.push if self.sync is not None else None
        self.writer = CheckpointWriter(folder, checkpoint.save_frequency, on_save or pushes)

    def _check(self, old: Any, new: dict[str, Any]) -> None:
        changed = differences(old, new)
        if changed:
            raise CheckpointMismatch(
                f"checkpoint {self.checkpoint.folder} was made by a different pipeline; "
                "use --fresh to start over (or restore the spec)",
                details=[f"changed: {line}" for line in changed[:10]],
            )

    def _restore_prompt(self, columns: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
        models = columns.get("generation_model")
        if self.generation_prompt is None or models is None or "generation_prompt" in columns:
            return columns
        return {**columns, "generation_prompt": [self.generation_prompt(row)] * len(models)}

    def hooks(self) -> EngineHooks:
        def generated(index: int, columns: dict[str, Any]) -> None:
            if self.generation_prompt is not None:  # rebuilt on resume: not stored
                columns = {k: v for k, v in columns.items() if k != "generation_prompt"}
            self.writer.append(index, self.hashes[index], GENERATED, columns)

        def labelled(index: int, columns: dict[str, Any]) -> None:
            self.writer.append(index, self.hashes[index], LABELLED, columns)

        def done(_index: int, _columns: dict[str, Any]) -> None:
            self.finished += 1

        return EngineHooks(on_generated=generated, on_labelled=labelled, on_row_done=done)

    def close(self) -> None:
        self.writer.close()
        if self.sync is not None:
            self.sync.close()
