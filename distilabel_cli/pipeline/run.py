"""Run a spec end to end: load input, build, generate, write outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distilabel_cli import __version__
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.dataset.inputs import load_input
from distilabel_cli.errors import RunAborted
from distilabel_cli.pipeline.build import build_pipeline, check_spec_columns
from distilabel_cli.pipeline.report import RunReport
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import PipelineSpec

RUN_SIDECAR = "distil-run.json"
PARTIAL_SUFFIX = ".partial"


@dataclass
class RunOutcome:
    """The dataset, its report and where it was written (None for a dry run)."""

    dataset: CustomDataset
    report: RunReport
    output: Path | None


def run_spec(
    spec: PipelineSpec, source: SpecSource, *, progress: bool = True, dry_run: bool = False
) -> RunOutcome:
    """Execute a validated spec. A dry run processes the first row and writes nothing."""
    check_spec_columns(spec, source)
    dataset = load_input(spec.input, Path(source.file).parent)
    if dry_run:
        dataset = dataset.select(range(min(1, len(dataset))))
    pipeline = build_pipeline(spec)
    output = Path(spec.output.path)
    try:
        result = pipeline.generate(
            dataset,
            num_generations=spec.run.num_generations,
            batch_size=spec.run.batch_size,
            display_progress_bar=progress and not dry_run,
        )
    except RunAborted as exc:
        partial = output.with_name(output.name + PARTIAL_SUFFIX)
        if len(exc.dataset) and not dry_run:  # type: ignore[attr-defined]
            write_outputs(exc.dataset, spec, pipeline.last_report, partial)  # type: ignore[attr-defined]
            exc.details.append(f"{len(exc.dataset)} finished rows were saved to {partial}")  # type: ignore[attr-defined]
        raise
    finally:
        pipeline.close()
    assert pipeline.last_report is not None
    if dry_run:
        return RunOutcome(result, pipeline.last_report, None)
    write_outputs(result, spec, pipeline.last_report, output)
    return RunOutcome(result, pipeline.last_report, output)


def write_outputs(
    dataset: CustomDataset, spec: PipelineSpec, report: RunReport | None, output: Path
) -> None:
    """Arrow folder + task sidecar + run record, then the extra exports."""
    dataset.save_to_disk(output)
    record: dict[str, Any] = {
        "distil_version": __version__,
        "spec": spec.model_dump(mode="json"),  # secrets are SecretStr: dumped masked
        "report": report.to_dict() if report else None,
    }
    (output / RUN_SIDECAR).write_text(json.dumps(record, indent=2), encoding="utf-8")
    for fmt in spec.output.formats:
        if fmt == "jsonl":
            dataset.to_json(str(output / "data.jsonl"), lines=True, force_ascii=False)
        elif fmt == "parquet":
            dataset.to_parquet(str(output / "data.parquet"))
