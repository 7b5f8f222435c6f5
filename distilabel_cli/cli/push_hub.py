"""`distil push-hub`: upload a saved dataset with its task, run record and card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError


def push_hub(
    dataset_dir: Annotated[Path, typer.Argument(help="A dataset folder saved by distil.")],
    repo_id: Annotated[str, typer.Argument(help="Hub dataset repo, e.g. me/my-dataset.")],
    private: Annotated[bool, typer.Option("--private", help="Create the repo as private.")] = False,
    split: Annotated[str, typer.Option(help="Split name on the Hub.")] = "train",
    debug: Debug = False,
) -> None:
    """Push a dataset folder to the Hugging Face Hub (token: HF_TOKEN, else `hf auth login`).

    [bold]Examples[/bold]

      distil push-hub outputs/quickstart me/quickstart --private
    """
    from datasets import disable_progress_bars

    from distilabel_cli.dataset.custom_dataset import CustomDataset

    disable_progress_bars()
    with user_errors(debug):
        if not (dataset_dir / "state.json").is_file():
            raise DistilError(f"{dataset_dir}: not a dataset folder saved by distil")
        dataset = CustomDataset.load_from_disk(dataset_dir)
        url = dataset.push_to_hub(repo_id, private=private, split=split)
        typer.echo(f"pushed {len(dataset)} rows to {url}")
