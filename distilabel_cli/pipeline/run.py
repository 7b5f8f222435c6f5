"""Run a spec end to end: load input, build, generate, write outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distilabel_cli import __version__
from distilabel_cli.dataset.checkpoint import DatasetCheckpoint, ResumeMode
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.inputs import load_input
from distilabel_cli.errors import DistilError, RunAborted
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.check import check_spec
from distilabel_cli.pipeline.report import RunReport
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
) -> RunOutcome:
    """Execute a validated spec. A dry run processes the first row and writes nothing.

    Finished rows go to the spec's checkpoint as they finish; a re-run resumes from it.
    """
    check_spec(spec, source)
    dataset = load_input(spec.input, Path(source.file).parent)
    if dry_run:
        dataset = dataset.select(range(min(1, len(dataset))))
    pipeline = build_pipeline(spec, Path(source.file).parent)
    output = Path(spec.output.path)
    checkpoint = checkpoint_for(spec, resume) if not dry_run else None
    try:
        result = pipeline.generate(
            dataset,
            num_generations=spec.run.num_generations,
            batch_size=spec.run.batch_size,
            display_progress_bar=progress and not dry_run,
            checkpoint_strategy=checkpoint,
        )
    except RunAborted as exc:
        if checkpoint is not None:
            exc.details.append(
                f"finished rows are saved in {checkpoint.folder}; fix the cause and run the "
                "same command again to resume"
            )
        elif len(exc.dataset) and not dry_run:
            partial = output.with_name(output.name + PARTIAL_SUFFIX)
            write_outputs(exc.dataset, spec, pipeline.last_report, partial)
            exc.details.append(f"{len(exc.dataset)} finished rows were saved to {partial}")
        raise
    finally:
        pipeline.close()
    assert pipeline.last_report is not None
    if dry_run:
        return RunOutcome(result, pipeline.last_report, None)
    write_outputs(result, spec, pipeline.last_report, output)
    hub_url = push_output(result, spec)
    return RunOutcome(result, pipeline.last_report, output, hub_url)


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
    )


def write_outputs(
    dataset: CustomDataset, spec: PipelineSpec, report: RunReport | None, output: Path
) -> None:
    """Arrow folder + task sidecar + run record, the extra exports, then the Hub push."""
    dataset.run_info = {
        "distil_version": __version__,
        "spec": spec.model_dump(mode="json"),  # secrets are SecretStr: dumped masked
        "report": report.to_dict() if report else None,
    }
    dataset.save_to_disk(output)
    for fmt in spec.output.formats:
        if fmt == "jsonl":
            dataset.to_json(str(output / "data.jsonl"), lines=True, force_ascii=False)
        elif fmt == "parquet":
            dataset.to_parquet(str(output / "data.parquet"))


def push_output(dataset: CustomDataset, spec: PipelineSpec) -> str | None:
    """Push the finished dataset where `output.hub` / `output.argilla` say; returns the Hub URL."""
    hub = spec.output.hub
    url = dataset.push_to_hub(hub.repo_id, private=hub.private, split=hub.split) if hub else None
    if spec.output.argilla is not None:
        from distilabel_cli.dataset.argilla.convert import push_for_spec

        push_for_spec(dataset, spec.output.argilla, spec.output.path)
    return url
