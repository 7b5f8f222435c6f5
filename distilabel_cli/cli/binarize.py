"""`distil binarize`: turn a rated dataset into DPO pairs and write them."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.columns import GENERATION_MODEL
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from rich.table import Table

    from distilabel_cli.dataset.binarize.core import BinarizeSummary
    from distilabel_cli.dataset.custom_dataset import CustomDataset


class Strategy(StrEnum):
    random = "random"
    worst = "worst"


#: Hub tags of the pairs' dataset card.
DPO_TAGS = ("dpo", "preference", "dpo-implicit")


class Format(StrEnum):
    arrow = "arrow"
    jsonl = "jsonl"
    parquet = "parquet"


def _column_option(role: str, default: str) -> Any:
    return typer.Option(f"--{role}-column", help=f"Column holding the {role} (default: {default}).")


def binarize(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="Rated dataset: a folder saved by distil or `datasets`, a .jsonl/.json/.csv/"
            ".parquet file, or a Hugging Face Hub dataset id.",
            show_default=False,
        ),
    ],
    strategy: Annotated[
        Strategy, typer.Option(help="Rejected = a random lower-rated response, or the worst.")
    ] = Strategy.random,
    keep_ties: Annotated[
        bool, typer.Option("--keep-ties", help="Keep pairs whose two ratings are equal.")
    ] = False,
    sft: Annotated[bool, typer.Option("--sft", help="Add a `messages` column (= chosen).")] = False,
    seed: Annotated[
        int | None, typer.Option(help="Seed for the random strategy and the --test-size split.")
    ] = None,
    min_margin: Annotated[
        float | None, typer.Option(help="Drop pairs whose rating gap is smaller than this.", min=0)
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: ./<input name>-binarized).", file_okay=False),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="arrow: a saved dataset folder; or one data file.")
    ] = Format.arrow,
    prompt_column: Annotated[str | None, _column_option("prompt", "input")] = None,
    generations_column: Annotated[str | None, _column_option("generations", "generations")] = None,
    ratings_column: Annotated[str | None, _column_option("ratings", "rating")] = None,
    models_column: Annotated[str | None, _column_option("models", GENERATION_MODEL)] = None,
    push: Annotated[
        str | None,
        typer.Option(help="Also push the pairs to this Hub dataset repo (token: HF_TOKEN)."),
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Create the --push repo as private.")
    ] = False,
    split: Annotated[
        str | None, typer.Option(help="The split name on the Hub (default: train).")
    ] = None,
    test_size: Annotated[
        float | None,
        typer.Option(
            help="Hold out this fraction of the prompts as a `test` split (a prompt's pairs "
            "stay in one split).",
            min=0,
            max=1,
        ),
    ] = None,
    debug: Debug = False,
) -> None:
    """Binarize a rated dataset into chosen/rejected pairs for DPO (TRL format).

    [bold]Examples[/bold]

      distil binarize outputs/quickstart --strategy worst --output outputs/pairs

      distil binarize outputs/quickstart --test-size 0.1 --seed 1 --push me/pairs --private
      [dim]# train/test splits, pushed with a dpo-tagged card[/dim]
    """
    from datasets import disable_progress_bars
    from rich.console import Console

    from distilabel_cli.dataset.binarize.columns import BinarizeColumns
    from distilabel_cli.dataset.binarize.core import binarize as binarize_dataset
    from distilabel_cli.dataset.io.inputs import load_input
    from distilabel_cli.dataset.split import check_test_size
    from distilabel_cli.spec.models import InputSpec

    disable_progress_bars()
    with user_errors(debug):
        if private and not push:
            raise DistilError("--private applies to the repo of --push; add --push REPO_ID")
        if split is not None and test_size is not None:
            raise DistilError("--split names the one split pushed; --test-size makes train/test")
        if test_size is not None:
            check_test_size(test_size)
        target = output or Path(f"{Path(input_path.rstrip('/')).stem}-binarized")
        _check_output(input_path, target, fmt)
        dataset = load_input(InputSpec(path=input_path))
        columns = BinarizeColumns(prompt_column, generations_column, ratings_column, models_column)
        result = binarize_dataset(
            dataset,
            strategy=strategy.value,
            sft=sft,
            seed=seed,
            keep_ties=keep_ties,
            min_margin=min_margin,
            columns=columns,
        )
        splits = _splits(result.dataset, split or "train", test_size, seed or 0)
        written = write(splits, target, fmt)
        console = Console()
        console.print(summary_table(result.summary, min_margin))
        counts = ", ".join(f"{len(part)} {name}" for name, part in splits.items())
        where = ", ".join(str(path) for path in written)
        pairs = f"{result.summary.pairs_out} pairs" + (f" ({counts})" if test_size else "")
        console.print(f"wrote {pairs} to {where}")
        if push:
            from distilabel_cli.dataset.export.write import push_splits

            task = result.dataset.task
            url = push_splits(splits, push, private=private, tags=DPO_TAGS, task=task)
            console.print(f"pushed to {url}")


def _check_output(input_path: str, target: Path, fmt: Format) -> None:
    """Refuse to replace the input, or (arrow) a folder that is not a saved dataset."""
    from distilabel_cli.dataset.io.inputs import resolve_input_path

    try:
        local = resolve_input_path(input_path)
    except DistilError as exc:  # its message names the spec key `input.path`
        raise DistilError(exc.message.replace("input.path", "INPUT", 1)) from None
    if local is not None and local.resolve() == target.resolve():
        raise DistilError(f"--output {target}: would overwrite INPUT; choose another folder")
    if target.is_file():
        raise DistilError(f"--output {target}: is a file; expected a folder")
    replaced = fmt is Format.arrow and target.is_dir() and any(target.iterdir())
    saved = (target / "state.json").is_file() or (target / "dataset_dict.json").is_file()
    if replaced and not saved:
        raise DistilError(
            f"--output {target}: folder exists and is not a saved dataset; choose another"
        )


def _splits(
    pairs: CustomDataset, name: str, test_size: float | None, seed: int
) -> dict[str, CustomDataset]:
    """`{name: pairs}`, or train/test split by prompt; each keeps the task."""
    from distilabel_cli.dataset.custom_dataset import CustomDataset
    from distilabel_cli.dataset.split import split_by_prompt

    if test_size is None:
        return {name: pairs}
    parts = split_by_prompt(pairs, "prompt", test_size, seed)
    return {key: CustomDataset.from_dataset(part, pairs.task) for key, part in parts.items()}


def write(splits: dict[str, CustomDataset], target: Path, fmt: Format) -> list[Path]:
    """Save as an Arrow folder (with task sidecar; a DatasetDict for several splits) or
    `data.jsonl`/`data.parquet` in `target` (`data.train.jsonl`, `data.test.jsonl`, ...)."""
    from distilabel_cli.dataset.export.write import write_splits

    task = next(iter(splits.values())).task
    path = target if fmt is Format.arrow else target / f"data.{fmt.value}"
    return write_splits(splits, path, task=task)


def summary_table(summary: BinarizeSummary, min_margin: float | None) -> Table:
    """Rows in, pairs out, what was dropped and why, and the rating-gap histogram."""
    from rich.table import Table

    table = Table(title=f"distil binarize ({summary.strategy})", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("rows in", f"{summary.rows_in:,}")
    table.add_row("pairs out", f"{summary.pairs_out:,}", style="bold")
    table.add_row("ties dropped", f"{summary.ties_dropped:,}")
    if min_margin is not None:
        table.add_row(f"gap below {min_margin:g} dropped", f"{summary.margin_dropped:,}")
    table.add_row("empty pairs dropped", f"{summary.empty_dropped:,}")
    table.add_row("invalid rows dropped", f"{summary.invalid_dropped:,}")
    for reason, count in summary.invalid.items():
        table.add_row(f"  {reason}", f"{count:,}", style="dim")
    if summary.margin_histogram:
        table.add_section()
        table.add_row("rating gap", "pairs", style="bold")
        peak = max(count for _, count in summary.margin_histogram) or 1
        for label, count in summary.margin_histogram:
            bar = "█" * max(1 if count else 0, round(20 * count / peak))
            table.add_row(f"  {label}", f"{count:,} {bar:<20}")
    return table
