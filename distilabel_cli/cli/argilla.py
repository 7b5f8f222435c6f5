"""`distil push-argilla` / `distil pull-argilla`: human review in Argilla, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import Debug
from distilabel_cli.errors import DistilError

Name = Annotated[str, typer.Option("--name", help="Argilla dataset name.", show_default=False)]
Workspace = Annotated[
    str, typer.Option("--workspace", help="Argilla workspace (must exist).", show_default=False)
]
ApiUrl = Annotated[
    str | None,
    typer.Option("--api-url", envvar="ARGILLA_API_URL", help="Argilla URL.", show_default=False),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key", envvar="ARGILLA_API_KEY", help="Argilla API key.", show_default=False
    ),
]


def push_argilla(
    dataset_path: Annotated[
        str,
        typer.Argument(
            metavar="DATASET",
            help="A dataset folder saved by distil, a .jsonl/.json/.csv/.parquet file or a Hub id.",
            show_default=False,
        ),
    ],
    name: Name,
    workspace: Workspace,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    vectors: Annotated[
        bool, typer.Option("--vectors/--no-vectors", help="Add sentence-embedding vectors.")
    ] = True,
    metrics: Annotated[
        bool, typer.Option("--metrics/--no-metrics", help="Add text statistics as metadata.")
    ] = True,
    vector_model: Annotated[
        Path | None,
        typer.Option(help="Local sentence-transformers folder (default: all-MiniLM-L6-v2)."),
    ] = None,
    debug: Debug = False,
) -> None:
    """Push a generated or labelled dataset to Argilla for human review (create or append).

    [bold]Examples[/bold]

      distil push-argilla outputs/quickstart --name quickstart --workspace admin
    """
    from datasets import disable_progress_bars

    from distilabel_cli.dataset.argilla import to_argilla
    from distilabel_cli.dataset.argilla.convert import connect_for_push
    from distilabel_cli.dataset.io.inputs import load_input
    from distilabel_cli.spec.models import InputSpec

    disable_progress_bars()
    with user_errors(debug):
        if vector_model is not None and not vectors:
            raise DistilError("--vector-model and --no-vectors exclude each other")
        dataset = load_input(InputSpec(path=dataset_path))
        client = connect_for_push(name, workspace, api_url, api_key)  # before any model loads
        strategy = vector_model if vector_model is not None else vectors
        converted = to_argilla(dataset, vector_strategy=strategy, metric_strategy=metrics)
        result = converted.push_to_argilla(name=name, workspace=workspace, client=client)
        verb = "created" if result.created else "appended to"
        typer.echo(f"pushed {result.records} records: {verb} {workspace}/{name}: {result.url}")


def pull_argilla(
    name: Name,
    workspace: Workspace,
    output: Annotated[
        Path,
        typer.Option(help="Folder for the reviewed dataset.", file_okay=False, show_default=False),
    ],
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    debug: Debug = False,
) -> None:
    """Pull a reviewed dataset: human ratings replace the AI ones where submitted.

    [bold]Examples[/bold]

      distil pull-argilla --name quickstart --workspace admin --output outputs/reviewed
    """
    from datasets import disable_progress_bars

    from distilabel_cli.dataset.argilla import pull_from_argilla

    disable_progress_bars()
    with user_errors(debug):
        dataset, summary = pull_from_argilla(name, workspace, api_url=api_url, api_key=api_key)
        dataset.save_to_disk(output)
        skipped = f", {summary.skipped} records without distil data skipped" * bool(summary.skipped)
        typer.echo(
            f"pulled {summary.rows} rows ({summary.reviewed} reviewed, {summary.discarded} "
            f"discarded{skipped}) to {output}"
        )
