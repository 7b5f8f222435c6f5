"""`distil export`: write a dataset in a trainer's format (TRL, OpenAI, Alpaca, ShareGPT)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distilabel_cli.cli.binarize import Strategy
from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.dataset.export.names import FORMAT_NAMES
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    from distilabel_cli.dataset.export.core import Exported, ExportOptions

FormatName = StrEnum("FormatName", {name: name for name in FORMAT_NAMES})  # type: ignore[misc]


class Select(StrEnum):
    best = "best"
    all = "all"


def export(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="OUTPUT",
            help="What `distil run` wrote (its output folder), a .jsonl/.json/.csv/.parquet "
            "file with the same columns, or a Hugging Face Hub dataset id.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        FormatName,
        typer.Option(
            "--format", "-f", help="The training format (docs/export.md).", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="A .jsonl or .parquet file, or a folder (a saved dataset). With --test-size: "
            "NAME.train.jsonl and NAME.test.jsonl beside NAME.jsonl (a folder holds both splits).",
            show_default=False,
        ),
    ],
    push: Annotated[
        str | None,
        typer.Option(help="Also push to this Hub dataset repo, tagged with the format."),
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Create the --push repo as private.")
    ] = False,
    test_size: Annotated[
        float | None,
        typer.Option(
            help="Hold out this fraction of the prompts as a test split (a prompt's rows stay "
            "in one split).",
            min=0,
            max=1,
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the split and of --strategy random.", min=0)
    ] = 0,
    select: Annotated[
        Select | None,
        typer.Option(
            help="SFT formats: the best-rated generation per prompt, or every generation "
            "(default: best when there are ratings).",
            show_default=False,
        ),
    ] = None,
    min_rating: Annotated[
        float | None,
        typer.Option(help="SFT formats: keep only generations rated at least this."),
    ] = None,
    strategy: Annotated[
        Strategy,
        typer.Option(help="Pair formats (dpo, dpo-implicit, kto): the rejected response."),
    ] = Strategy.random,
    prompt_column: Annotated[
        str | None, typer.Option(help="Column holding the prompt (default: input).")
    ] = None,
    generations_column: Annotated[
        str | None, typer.Option(help="Column holding the generations (default: generations).")
    ] = None,
    ratings_column: Annotated[
        str | None, typer.Option(help="Column holding the ratings (default: rating).")
    ] = None,
    debug: Debug = False,
) -> None:
    """Write a dataset in a trainer's format (TRL SFT/DPO/KTO, OpenAI, Alpaca, ShareGPT).

    One response per prompt: sft-messages, openai-chat, alpaca, sharegpt.
    Chosen/rejected pairs (as `distil binarize` picks): dpo, dpo-implicit, kto.
    A system_prompt or system column becomes a system message (docs/export.md).

    [bold]Examples[/bold]

      distil export outputs/quickstart --format dpo --output outputs/dpo

      distil export outputs/quickstart -f openai-chat -o ft.jsonl --test-size 0.1
      [dim]# writes ft.train.jsonl and ft.test.jsonl[/dim]
    """
    from datasets import disable_progress_bars

    from distilabel_cli.dataset.binarize.columns import BinarizeColumns
    from distilabel_cli.dataset.export.core import ExportOptions

    disable_progress_bars()
    with user_errors(debug):
        if private and not push:
            raise DistilError("--private applies to the repo of --push; add --push REPO_ID")
        options = ExportOptions(
            select=select.value if select else None,
            min_rating=min_rating,
            strategy=strategy.value,
            seed=seed,
            test_size=test_size,
            columns=BinarizeColumns(prompt_column, generations_column, ratings_column),
        )
        exported, written, url = _export(input_path, fmt.value, output, options, push, private)
        _report(exported, written, url)


def _export(
    input_path: str,
    format_name: str,
    output: Path,
    options: ExportOptions,
    push: str | None,
    private: bool,
) -> tuple[Exported, list[Path], str | None]:
    """Load, convert (batches cached in a temporary folder), write, push."""
    import tempfile

    from distilabel_cli.dataset.export.core import export_dataset
    from distilabel_cli.dataset.export.write import check_target, push_splits, write_splits
    from distilabel_cli.dataset.io.inputs import load_input, resolve_input_path
    from distilabel_cli.dataset.split import TEST, TRAIN, check_test_size
    from distilabel_cli.spec.models import InputSpec

    if options.test_size is not None:
        check_test_size(options.test_size)
    try:
        source = resolve_input_path(input_path)
        check_target(output, [TRAIN, TEST] if options.test_size else [TRAIN], source)
        dataset = load_input(InputSpec(path=input_path))
    except DistilError as exc:  # its message names the spec key `input.path`
        raise DistilError(exc.message.replace("input.path", "OUTPUT", 1)) from None
    with tempfile.TemporaryDirectory(prefix="distil-export-") as cache:
        exported = export_dataset(dataset, format_name, options, Path(cache))
        record = {**(getattr(dataset, "run_info", None) or {}), "export": exported.info}
        written = write_splits(exported.splits, output, run_info=record)
        url = None
        if push:
            tags = (*exported.format.tags, exported.format.name)
            url = push_splits(exported.splits, push, private=private, tags=tags, run_info=record)
    return exported, written, url


def _report(exported: Exported, written: list[Path], url: str | None) -> None:
    """The pairs summary (pair formats), then what was written where."""
    from rich.console import Console

    from distilabel_cli.cli.binarize import summary_table

    console = Console()
    if exported.pairs is not None:
        console.print(summary_table(exported.pairs, None))
    rows = ", ".join(f"{len(part):,} {name}" for name, part in exported.splits.items())
    where = ", ".join(str(path) for path in written)
    console.print(
        f"exported {rows} rows ({exported.format.name}) from {exported.rows_in:,} rows to {where}"
    )
    if url:
        console.print(f"pushed to {url}")
