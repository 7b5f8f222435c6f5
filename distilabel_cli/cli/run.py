"""`distil run`: validate a spec, run it with progress bars, write the dataset."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from distilabel_cli.cli.errors import user_errors
from distilabel_cli.cli.options import ConfigArg, Debug
from distilabel_cli.errors import DistilError


def run(
    config: ConfigArg,
    limit: Annotated[int | None, typer.Option(help="Use only the first N input rows.")] = None,
    output: Annotated[str | None, typer.Option(help="Write the dataset to this folder.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a spec key: path.to.key=value (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Run the first row end to end, print it, write nothing."),
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Ignore any checkpoint and start over.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Resume from the checkpoint; fail if there is none.")
    ] = False,
    retry_unparsed: Annotated[
        bool,
        typer.Option(
            "--retry-unparsed",
            help="Also ask again for answers an earlier run got but could not parse.",
        ),
    ] = False,
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate",
            help="Run the first rows (--estimate-rows), then print the requests, tokens and "
            "cost of the whole input, online and with the Batch API; writes no dataset.",
        ),
    ] = False,
    estimate_rows: Annotated[
        int, typer.Option(min=1, help="Rows --estimate measures.", show_default=True)
    ] = 5,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Take answers to requests asked before from the request cache (run.cache).",
        ),
    ] = True,
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="Write report.html beside the data."),
    ] = True,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="Run on a Ray cluster (host:port, auto, local): sets run.engine=ray and "
            "run.ray.address.",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    debug: Debug = False,
) -> None:
    """Run the pipeline a YAML spec declares and write the dataset.

    Exit codes: 0 done, 1 the run failed (an LLM error stopped it, too many failed requests,
    the budget, a failed push), 2 a user error (spec, input, option), 130 interrupted.

    [bold]Examples[/bold]

      distil run configs/quickstart.yaml --limit 5 --output out/try

      distil run spec.yaml --estimate
      [dim]# requests, tokens and cost of the whole input, measured on 5 rows[/dim]

      distil run hf://datasets/me/quickstart/spec.yaml --ray auto
    """
    from rich.console import Console

    from distilabel_cli.cli.logs import state
    from distilabel_cli.errors import RunFailed
    from distilabel_cli.spec.loader import load_spec

    quiet = state["quiet"]
    progress = progress and not quiet
    overrides = list(set_ or [])
    if limit is not None:
        overrides.append(f"input.limit={limit}")
    if output is not None:
        overrides.append(f"output.path={json.dumps(output)}")
    if not cache:
        overrides.append("run.cache=false")
    if not report:
        overrides.append("output.report=false")
    if ray is not None:
        overrides += ["run.engine=ray", f"run.ray.address={json.dumps(ray)}"]
    console = Console()
    with user_errors(debug):
        if fresh and resume:
            raise DistilError("--fresh and --resume exclude each other")
        spec, source = load_spec(config, overrides)
        pipeline = None
        if spec.run.engine == "ray" and not (estimate or dry_run):
            from distilabel_cli.pipeline.build import started_pipeline

            pipeline = started_pipeline(spec, source)  # actors load during the imports below
        from datasets import disable_progress_bars

        from distilabel_cli.pipeline.progress import summary_table
        from distilabel_cli.pipeline.run import run_spec

        disable_progress_bars()  # our own bars are the ones that matter
        if estimate:
            from distilabel_cli.pipeline.estimate import estimate_spec
            from distilabel_cli.pipeline.progress import estimate_table

            console.print(estimate_table(estimate_spec(spec, source, estimate_rows)))
            return
        mode = "fresh" if fresh else "require" if resume else "auto"
        try:
            outcome = run_spec(
                spec,
                source,
                progress=progress,
                dry_run=dry_run,
                resume=mode,
                retry_unparsed=retry_unparsed,
                pipeline=pipeline,
            )
        except RunFailed as failed:
            console.print(summary_table(failed.outcome.report, str(failed.outcome.output)))
            raise
        if dry_run:
            rows = outcome.dataset.to_list()
            console.print_json(data=rows[0] if rows else {}, default=str)
            console.print("[dim]dry run: nothing was written[/dim]")
            return
        if not quiet:
            console.print(summary_table(outcome.report, str(outcome.output)))
        if outcome.report_path and not quiet:
            console.print(f"report: {outcome.report_path}")
        if outcome.hub_url:
            console.print(f"pushed to {outcome.hub_url}")
