"""Writing a run's outputs: checked before paying, written whole, kept when writing fails."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from distilabel_cli import __version__
from distilabel_cli.dataset.checkpoint.session import resume_hint
from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint, check_checkpoint_folder
from distilabel_cli.dataset.custom_dataset import CustomDataset, refuse_to_replace
from distilabel_cli.dataset.io.row_sink import FolderSink
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.redact import redact_data
from distilabel_cli.spec.models import PipelineSpec
from distilabel_cli.tasks.base import Task

PARTIAL_SUFFIX = ".partial"


def check_destinations(output: Path, checkpoint: DatasetCheckpoint | None) -> None:
    """Refuse, before any request is paid for, outputs that could not be written."""
    refuse_to_replace(output)
    writable_location(output, "output.path")
    if checkpoint is None:
        return
    folder = checkpoint.folder
    if folder.resolve() == output.resolve():
        raise DistilError(
            f"checkpoint.path and output.path are the same folder ({output}); "
            "give the checkpoint its own folder"
        )
    check_checkpoint_folder(folder)
    writable_location(folder, "checkpoint.path")


def writable_location(path: Path, key: str) -> None:
    """`path` can be created or written: its nearest existing folder is writable."""
    existing = path if path.exists() else next(p for p in path.absolute().parents if p.exists())
    if not existing.is_dir():
        raise DistilError(f"{key} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DistilError(f"{key} {path}: {existing} is not writable")


def finish_or_keep(
    sink: FolderSink,
    task: Task,
    run_info: dict[str, Any],
    checkpoint: DatasetCheckpoint | None,
) -> CustomDataset:
    """Put the written rows at the output; when that fails, keep them somewhere and say where."""
    output = sink.target
    try:
        return sink.finish(task, run_info)
    except (OSError, DistilError) as exc:
        reason = exc.message if isinstance(exc, DistilError) else f"{exc.strerror or exc}"
        if checkpoint is not None:
            sink.discard()
            raise RunAborted(
                f"could not write {output}: {reason}",
                details=[
                    f"every finished row is in {checkpoint.folder}; "
                    f"{resume_hint(checkpoint)} once the output can be written"
                ],
            ) from None
        partial = _partial_folder(output)
        try:
            sink.finish(task, run_info, partial)
        except (OSError, DistilError):
            sink.discard()
            raise RunAborted(f"could not write {output}: {reason}; nothing was kept") from None
        raise RunAborted(
            f"could not write {output}: {reason}",
            details=[f"the {sink.rows} rows were saved to {partial}"],
        ) from None


def _partial_folder(output: Path) -> Path:
    """`OUTPUT.partial` beside the output, or in the working folder if that cannot be used."""
    beside = output.with_name(output.name + PARTIAL_SUFFIX)
    try:
        writable_location(beside, "output")
        return beside
    except DistilError:
        return Path.cwd() / (output.name + PARTIAL_SUFFIX)


def run_record(spec: PipelineSpec, report: Any) -> dict[str, Any]:
    """What `distil-run.json` holds: the distil version, the spec and the report (masked)."""
    return redact_data(
        {
            "distil_version": __version__,
            "spec": spec.model_dump(mode="json"),  # secrets are SecretStr: dumped masked
            "report": report.to_dict() if report else None,
        }
    )


def push_output(dataset: CustomDataset, spec: PipelineSpec) -> str | None:
    """Push the finished dataset where `output.hub` / `output.argilla` say; returns the Hub URL."""
    hub = spec.output.hub
    try:
        url = (
            dataset.push_to_hub(hub.repo_id, private=hub.private, split=hub.split) if hub else None
        )
    except DistilError as exc:
        assert hub is not None
        exc.details.append(
            f"the dataset is saved in {spec.output.path}; push it later with: "
            f"distil push-hub {spec.output.path} {hub.repo_id}"
        )
        raise
    if spec.output.argilla is not None:
        from distilabel_cli.dataset.argilla.convert import push_for_spec

        push_for_spec(dataset, spec.output.argilla, spec.output.path)
    return url
