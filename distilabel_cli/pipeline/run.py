"""Run a spec end to end: load input, build, generate, write outputs."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from distilabel_cli.dataset.checkpoint.session import resume_hint
from distilabel_cli.dataset.checkpoint.store import (
    DatasetCheckpoint,
    ResumeMode,
)
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.io.inputs import load_input
from distilabel_cli.dataset.io.outputs import (
    PARTIAL_SUFFIX,
    check_destinations,
    finish_or_keep,
    push_output,
    run_record,
)
from distilabel_cli.dataset.io.row_sink import FolderSink
from distilabel_cli.errors import DistilError, RunAborted, RunFailed
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.check import check_columns, check_tasks
from distilabel_cli.pipeline.report import RunReport
from distilabel_cli.pipeline.run_options import RunOptions
from distilabel_cli.redact import register_spec_secrets
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import PipelineSpec

if TYPE_CHECKING:
    from datasets import Features

    from distilabel_cli.pipeline.core import Pipeline

log = logging.getLogger("distilabel_cli.run")


@dataclass
class RunOutcome:
    """The dataset, its report and where it was written (None for a dry run)."""

    dataset: CustomDataset
    report: RunReport
    output: Path | None
    hub_url: str | None = None
    report_path: Path | None = None


def run_spec(
    spec: PipelineSpec,
    source: SpecSource,
    *,
    progress: bool = True,
    dry_run: bool = False,
    resume: ResumeMode = "auto",
    retry_unparsed: bool = False,
    pipeline: Pipeline | None = None,
) -> RunOutcome:
    """Execute a validated spec. A dry run processes the first row and writes nothing.

    Finished rows go, in input order and in Arrow batches, to a staging folder beside the
    output (moved in place at the end) and to the spec's checkpoint as they finish; a re-run
    resumes from it and requests the items that failed again. Raises `RunFailed` (exit 1,
    after writing the dataset) when more than `run.max_failed_fraction` of the requests failed.

    The tasks are built once (the pipeline reuses those the checks built) and the input is
    read once: its columns are checked on the loaded rows. `pipeline`: the spec's, already
    built and started by the caller (`started_pipeline`); it is closed here.
    """
    register_spec_secrets(spec)
    spec_dir = Path(source.file).parent
    try:
        tasks = check_tasks(spec, source)
        output = Path(spec.output.path)
        checkpoint = checkpoint_for(spec, resume) if not dry_run else None
        if not dry_run:
            check_destinations(output, checkpoint)
        if dry_run:
            from distilabel_cli.pipeline.estimate import online_equivalent

            spec = online_equivalent(spec)  # one row must not wait for a Batch API batch
        pipeline = pipeline or build_pipeline(spec, spec_dir)
        pipeline.start()  # Ray actors load on the cluster while the input is read
        dataset = load_input(spec.input, spec_dir)
        check_columns(spec, source, tasks, dataset.column_names)
    except BaseException:
        if pipeline is not None:
            pipeline.close()
        raise
    log.info("%s: %d input rows from %s", spec.name, len(dataset), spec.input.path)
    if dry_run:
        dataset = dataset.select(range(min(1, len(dataset))))
    if dry_run:
        try:
            result = pipeline.generate(
                dataset,
                num_generations=spec.run.num_generations,
                batch_size=spec.run.batch_size,
                retry_unparsed=retry_unparsed,
                cache=spec.run.cache,
            )
        finally:
            pipeline.close()
        assert pipeline.last_report is not None
        return RunOutcome(result, pipeline.last_report, None)
    sinks: list[FolderSink] = []

    def output_folder(features: Features) -> FolderSink:
        sinks.append(FolderSink(features, output, tuple(spec.output.formats)))
        return sinks[0]

    finished = False
    try:
        options = RunOptions(
            num_generations=spec.run.num_generations,
            batch_size=spec.run.batch_size,
            display_progress_bar=progress,
            checkpoint_strategy=checkpoint,
            retry_unparsed=retry_unparsed,
            cache=spec.run.cache,
            max_cost=spec.run.max_cost,
        )
        report = pipeline.run_into(output_folder, dataset, options)
        finished = True
    except RunAborted as exc:
        sink = sinks[0] if sinks else None
        if checkpoint is not None:
            exc.details.append(
                f"finished rows are saved in {checkpoint.folder}; fix the cause and "
                f"{resume_hint(checkpoint)}"
            )
        elif sink is not None and sink.rows:
            partial = output.with_name(output.name + PARTIAL_SUFFIX)
            sink.finish(pipeline.output_task(), run_record(spec, pipeline.last_report), partial)
            exc.details.append(f"{sink.rows} finished rows were saved to {partial}")
        if sink is not None:
            sink.discard()
        raise
    except BaseException:
        if sinks:
            sinks[0].discard()
        raise
    finally:
        if not finished:
            pipeline.close()
    closing = close_in_background(pipeline) if spec.run.engine == "ray" else None
    if closing is None:
        pipeline.close()
    try:
        result = finish_or_keep(
            sinks[0], pipeline.output_task(), run_record(spec, report), checkpoint
        )
        outcome = RunOutcome(result, report, output)
        log.info("%s: %d rows written to %s", spec.name, len(result), output)
        if spec.output.report:
            outcome.report_path = write_run_report(output)
    finally:
        if closing is not None:
            closing.join()
    if report.failed_fraction > spec.run.max_failed_fraction:
        raise RunFailed(outcome, spec.run.max_failed_fraction, checkpoint)
    outcome.hub_url = push_output(result, spec)
    return outcome


def close_in_background(pipeline: Pipeline) -> threading.Thread:
    """`pipeline.close()` in a helper thread: ending Ray actors and leaving the cluster
    takes about 0.3 s, spent while the dataset is finished and the report written."""

    def close() -> None:
        try:
            pipeline.close()
        except Exception as exc:  # noqa: BLE001 - the rows are written: a warning
            log.warning("could not close the run's LLMs cleanly: %s", exc)

    thread = threading.Thread(target=close, name="distil-close", daemon=True)
    thread.start()
    return thread


def write_run_report(output: Path) -> Path | None:
    """`report.html` in the dataset folder; a report that cannot be made is a warning, not a
    failed run (the dataset is written): `distil report` can make it later."""
    from distilabel_cli.report import write_report

    try:
        return write_report(output)
    except (DistilError, OSError, ValueError) as exc:
        reason = exc.message if isinstance(exc, DistilError) else str(exc)
        log.warning(
            "could not write the report of %s (%s); try: distil report %s", output, reason, output
        )
        return None


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
