"""Run a spec end to end: load input, build, generate, write outputs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from distilabel_cli import __version__
from distilabel_cli.dataset.checkpoint import (
    DatasetCheckpoint,
    ResumeMode,
    check_checkpoint_folder,
)
from distilabel_cli.dataset.custom_dataset import CustomDataset, refuse_to_replace
from distilabel_cli.dataset.inputs import load_input
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.check import check_spec
from distilabel_cli.pipeline.pipeline import resume_hint
from distilabel_cli.pipeline.report import RunReport
from distilabel_cli.redact import redact_data, register_spec_secrets
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import PipelineSpec

PARTIAL_SUFFIX = ".partial"


@dataclass
class RunOutcome:
    """The dataset, its report and where it was written (None for a dry run)."""

    dataset: CustomDataset
    report: RunReport
    output: Path | None
    hub_url: str | None = None


def run_spec(
    spec: PipelineSpec,
    source: SpecSource,
    *,
    progress: bool = True,
    dry_run: bool = False,
    resume: ResumeMode = "auto",
    retry_unparsed: bool = False,
) -> RunOutcome:
    """Execute a validated spec. A dry run processes the first row and writes nothing.

    Finished rows go to the spec's checkpoint as they finish; a re-run resumes from it and
    requests the items that failed again. Raises `RunFailed` (exit 1, after writing the
    dataset) when more than `run.max_failed_fraction` of the requests failed.
    """
    register_spec_secrets(spec)
    check_spec(spec, source)
    output = Path(spec.output.path)
    checkpoint = checkpoint_for(spec, resume) if not dry_run else None
    if not dry_run:
        check_destinations(output, checkpoint)
    dataset = load_input(spec.input, Path(source.file).parent)
    if dry_run:
        dataset = dataset.select(range(min(1, len(dataset))))
    pipeline = build_pipeline(spec, Path(source.file).parent)
    try:
        result = pipeline.generate(
            dataset,
            num_generations=spec.run.num_generations,
            batch_size=spec.run.batch_size,
            display_progress_bar=progress and not dry_run,
            checkpoint_strategy=checkpoint,
            retry_unparsed=retry_unparsed,
        )
    except RunAborted as exc:
        if checkpoint is not None:
            exc.details.append(
                f"finished rows are saved in {checkpoint.folder}; fix the cause and "
                f"{resume_hint(checkpoint)}"
            )
        elif exc.dataset is not None and len(exc.dataset) and not dry_run:
            partial = output.with_name(output.name + PARTIAL_SUFFIX)
            write_outputs(exc.dataset, spec, pipeline.last_report, partial)
            exc.details.append(f"{len(exc.dataset)} finished rows were saved to {partial}")
        raise
    finally:
        pipeline.close()
    report = pipeline.last_report
    assert report is not None
    if dry_run:
        return RunOutcome(result, report, None)
    write_or_keep(result, spec, report, output, checkpoint)
    outcome = RunOutcome(result, report, output)
    if report.failed_fraction > spec.run.max_failed_fraction:
        raise RunFailed(outcome, spec.run.max_failed_fraction, checkpoint)
    outcome.hub_url = push_output(result, spec)
    return outcome


class RunFailed(DistilError):
    """The run finished, but too many of its requests failed (exit 1; outputs written)."""

    exit_code = 1

    def __init__(
        self, outcome: RunOutcome, threshold: float, checkpoint: DatasetCheckpoint | None
    ) -> None:
        report = outcome.report
        again = (
            "run the same command again to request only the failed items"
            if checkpoint is not None
            else "enable the checkpoint to retry only the failed items"
        )
        super().__init__(
            f"{report.failed_requests} of {report.requests} requests failed "
            f"({report.failed_fraction:.0%}, over run.max_failed_fraction {threshold:.0%})",
            details=[f"the dataset was written to {outcome.output}; {again}"],
        )
        self.outcome = outcome


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
    report: RunReport,
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


def checkpoint_for(spec: PipelineSpec, resume: ResumeMode) -> DatasetCheckpoint | None:
    """The checkpoint a spec asks for (None when disabled)."""
    options = spec.checkpoint
    if not options.enabled:
        if resume == "require":
            raise DistilError("--resume: this spec disables its checkpoint (checkpoint.enabled)")
        return None
    extra = {"repo_id": options.repo_id, "private": options.private} if options.repo_id else {}
    return DatasetCheckpoint(
        path=spec.checkpoint_path(),
        save_frequency=options.save_frequency,
        strategy=options.strategy,
        extra_kwargs=extra,
        resume=resume,
        from_cli=True,
    )


def write_outputs(
    dataset: CustomDataset, spec: PipelineSpec, report: RunReport | None, output: Path
) -> None:
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
