"""Rich progress bars for a run and the summary table at its end."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from distilabel_cli.pipeline.engine import EngineHooks
from distilabel_cli.pipeline.report import RunReport


class RateColumn(ProgressColumn):
    """Rows per second of a progress task."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} rows/s" if speed else "-- rows/s", style="cyan")


class TokenRateColumn(ProgressColumn):
    """Output tokens per second of the stage's LLM (all its replicas, on a cluster)."""

    def render(self, task: Task) -> Text:
        tokens, elapsed = task.fields.get("tokens", 0), task.elapsed
        if not tokens or not elapsed:
            return Text("-- tok/s", style="magenta")
        return Text(f"{tokens / elapsed:,.0f} tok/s", style="magenta")


class CostColumn(ProgressColumn):
    """What the stage's LLM has cost so far (blank when its price is unknown)."""

    def render(self, task: Task) -> Text:
        cost = task.fields.get("cost")
        return Text("" if cost is None else f"${cost:,.4f}", style="yellow")


class RunProgress:
    """Progress bars (done/total, rows/s, output tokens/s, ETA) for generation and labelling."""

    def __init__(
        self,
        rows: int,
        stages: dict[str, int],
        console: Console | None = None,
        usages: dict[str, Any] | None = None,
        prices: dict[str, Any] | None = None,
    ) -> None:
        """`stages` maps each stage name to the rows already done (resumed); `usages` each
        stage name to its LLM's `Usage` (for tokens/s), `prices` to its `Pricing` (or None)."""
        self.usages = usages or {}
        self.prices = prices or {}
        self.progress = Progress(
            TextColumn("[bold]{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TokenRateColumn(),
            CostColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self.bars = {
            stage: self.progress.add_task(stage, total=rows, completed=done)
            for stage, done in stages.items()
        }

    def hooks(self) -> EngineHooks:
        def advance(stage: str):
            bar = self.bars.get(stage)
            if bar is None:
                return None
            usage, price = self.usages.get(stage), self.prices.get(stage)

            def step(_index: int, _columns: dict[str, Any]) -> None:
                tokens = usage.output_tokens if usage is not None else 0
                cost = price.cost(usage) if price is not None and usage is not None else None
                self.progress.update(bar, advance=1, tokens=tokens, cost=cost)

            return step

        return EngineHooks(on_generated=advance("generating"), on_labelled=advance("labelling"))

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def summary_table(report: RunReport, output: str | None = None) -> Table:
    """The end-of-run table: rows, generations, ratings, requests and retries per LLM,
    tokens, cost, time, throughput, output."""
    table = Table(title="distil run summary", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    counts = report.counts
    notes = []
    if report.rows_resumed:
        notes.append(f"{report.rows_resumed} resumed from the checkpoint")
    if report.rows_retried:
        notes.append(f"{report.rows_retried} with failed items retried")
    resumed = f" ({', '.join(notes)})" if notes else ""
    table.add_row("rows", f"{report.rows_done} / {report.rows}{resumed}")
    if any(r.role == "generator" for r in report.llms):
        table.add_row(
            "generations",
            f"{counts.generations_ok} ok, {counts.generations_failed} failed "
            f"({report.num_generations} per row)"
            + _extra(counts.generations_retried, counts.generations_skipped),
        )
    if any(r.role == "labeller" for r in report.llms):
        table.add_row(
            "ratings",
            f"{counts.labels_ok} parsed, {counts.labels_failed} failed"
            + _extra(counts.labels_retried, counts.labels_skipped),
        )
    for llm in report.llms:
        usage = llm.usage
        line = (
            f"{llm.model}: {usage.requests} requests, {usage.failed_requests} failed, "
            f"{usage.retries} retries"
        )
        if usage.rate_limited:
            line += f" ({usage.rate_limited} rate-limited, concurrency down to "
            line += f"{usage.lowest_concurrency})"
        if getattr(usage, "truncated", 0):
            line += f", {usage.truncated} cut at max_new_tokens"
        line += f", {usage.input_tokens} tokens in, {usage.output_tokens} out"
        if llm.cost is not None:
            line += f", cost {llm.cost:.6f}"
        if usage.first_error:
            line += f"\nfirst error: {usage.first_error[:200]}"
        table.add_row(llm.role, line)
    if report.cache_hits:
        saved = f", saving {report.saved_cost:.6f}" if report.saved_cost else ""
        table.add_row("cache", f"{report.cache_hits} answers from the request cache{saved}")
    table.add_row("tokens", f"{report.input_tokens} in, {report.output_tokens} out")
    if report.cost is not None:
        table.add_row("cost", f"{report.cost:.6f} (llm.pricing)")
    table.add_row("wall time", f"{report.wall_seconds:.1f} s")
    table.add_row("throughput", f"{report.tokens_per_second:.1f} output tokens/s")
    if output:
        table.add_row("dataset", output)
    if report.checkpoint:
        table.add_row("checkpoint", report.checkpoint)
    return table


def _extra(retried: int, skipped: int) -> str:
    """`; N retried, M not sent (missing input)` where there are any."""
    parts = [f"{retried} retried"] if retried else []
    if skipped:
        parts.append(f"{skipped} not sent (input missing or unusable)")
    return f"; {', '.join(parts)}" if parts else ""


def estimate_table(estimate: Any) -> Table:
    """`distil run --estimate`: items, tokens and cost per stage for the whole input."""

    def money(value: float | None) -> str:
        return "unknown (no price)" if value is None else f"{value:,.4f}"

    table = Table(
        title=f"estimate for {estimate.rows:,} rows (measured on {estimate.measured_rows})",
        title_justify="left",
    )
    for column in ("stage", "model", "items", "input tokens", "output tokens", "cost"):
        table.add_column(column, justify="right" if "tokens" in column else "left")
    table.add_column("cost, Batch API")
    for stage in estimate.stages:
        table.add_row(
            stage.role,
            stage.model,
            f"{stage.items:,}",
            f"{stage.input_tokens:,}",
            f"{stage.output_tokens:,}",
            money(stage.cost),
            money(stage.batch_cost) if stage.batch else "no Batch API",
        )
    table.add_row("total", "", "", "", "", money(estimate.cost), "")
    return table
