"""`distil recover`: turn a checkpoint (local, or an hf-hub checkpoint repo) into a dataset."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError


def recover(
    checkpoint: Annotated[
        str,
        typer.Argument(
            help="A checkpoint folder, or hf://datasets/OWNER/NAME for an hf-hub checkpoint.",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option(help="Write the dataset to this folder.")],
    formats: Annotated[
        list[str] | None, typer.Option("--format", help="Also write jsonl and/or parquet.")
    ] = None,
    debug: Debug = False,
) -> None:
    """Save the rows a checkpoint holds so far (every finished row) as a dataset folder.

    [bold]Examples[/bold]

      distil recover outputs/quickstart.checkpoint --output outputs/so-far

      distil recover hf://datasets/me/run-ckpt --output outputs/so-far --format jsonl
    """
    from datasets import disable_progress_bars

    from distilabel_cli.dataset.checkpoint.as_dataset import load_checkpoint_dataset

    disable_progress_bars()
    with user_errors(debug):
        unknown = sorted(set(formats or []) - {"jsonl", "parquet"})
        if unknown:
            raise DistilError(f"--format {unknown[0]}: choose jsonl or parquet")
        with tempfile.TemporaryDirectory(prefix="distil-recover-") as scratch:
            folder = _local_folder(checkpoint, Path(scratch))
            dataset = load_checkpoint_dataset(folder)
            dataset.save_to_disk(output)
        for fmt in formats or []:
            if fmt == "jsonl":
                dataset.to_json(str(output / "data.jsonl"), lines=True, force_ascii=False)
            else:
                dataset.to_parquet(str(output / "data.parquet"))
        typer.echo(f"recovered {len(dataset)} finished rows from {checkpoint} into {output}")


def _local_folder(checkpoint: str, scratch: Path) -> Path:
    """The checkpoint as a local folder (an hf-hub one is downloaded into `scratch`)."""
    prefix = "hf://datasets/"
    if not checkpoint.startswith(prefix):
        folder = Path(checkpoint)
        if not folder.is_dir():
            raise DistilError(f"{checkpoint}: no such checkpoint folder")
        return folder
    from distilabel_cli.dataset.checkpoint.hub_mirror import HubCheckpointSync

    repo_id = checkpoint[len(prefix) :].strip("/")
    sync = HubCheckpointSync(scratch / "checkpoint", repo_id, None)
    if not sync.restore():
        raise DistilError(f"{checkpoint}: the repo holds no distil checkpoint")
    return scratch / "checkpoint"
