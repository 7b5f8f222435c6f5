"""Writing a run's outputs: checked before paying, written whole, kept when writing fails."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from distilabel_cli import __version__
from distilabel_cli.dataset.checkpoint.session import resume_hint
from distilabel_cli.dataset.checkpoint.store import DatasetCheckpoint, check_checkpoint_folder
from distilabel_cli.dataset.custom_dataset import CustomDataset, refuse_to_replace
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.redact import redact_data
from distilabel_cli.spec.models import PipelineSpec

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


def write_or_keep(
    dataset: CustomDataset,
    spec: PipelineSpec,
    report: Any,
    output: Path,
    checkpoint: DatasetCheckpoint | None,
) -> None:
    """Write the outputs; when that fails, keep the results somewhere and say where."""
    try:
        write_outputs(dataset, spec, report, output)
    except (OSError, DistilError) as exc:
        reason = exc.message if isinstance(exc, DistilError) else f"{exc.strerror or exc}"
        if checkpoint is not None:
            raise RunAborted(
                f"could not write {output}: {reason}",
                details=[
                    f"every finished row is in {checkpoint.folder}; "
                    f"{resume_hint(checkpoint)} once the output can be written"
                ],
            ) from None
        partial = _partial_folder(output)
        try:
            write_outputs(dataset, spec, report, partial)
        except (OSError, DistilError):
            raise RunAborted(f"could not write {output}: {reason}; nothing was kept") from None
        raise RunAborted(
            f"could not write {output}: {reason}",
            details=[f"the {len(dataset)} rows were saved to {partial}"],
        ) from None


def _partial_folder(output: Path) -> Path:
    """`OUTPUT.partial` beside the output, or in the working folder if that cannot be used."""
    beside = output.with_name(output.name + PARTIAL_SUFFIX)
    try:
        writable_location(beside, "output")
        return beside
    except DistilError:
        return Path.cwd() / (output.name + PARTIAL_SUFFIX)


def write_outputs(dataset: CustomDataset, spec: PipelineSpec, report: Any, output: Path) -> None:
    """Arrow folder + task sidecar + run record, the extra exports, then the Hub push."""
    dataset.run_info = redact_data(
        {
            "distil_version": __version__,
            "spec": spec.model_dump(mode="json"),  # secrets are SecretStr: dumped masked
            "report": report.to_dict() if report else None,
        }
    )
    dataset.save_to_disk(output)
    for fmt in spec.output.formats:
        if fmt == "jsonl":
            dataset.to_json(str(output / "data.jsonl"), lines=True, force_ascii=False)
        elif fmt == "parquet":
            dataset.to_parquet(str(output / "data.parquet"))


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
