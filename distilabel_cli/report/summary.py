"""The run summary: what `distil-run.json` recorded (requests, tokens, cost, time, cache hits),
completed by what the data itself shows when there is no record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.report.source import ReportSource


@dataclass
class LLMLine:
    """One LLM of the run: role, model and what it used."""

    role: str
    model: str
    requests: str
    failed: str
    retries: str
    tokens_in: str
    tokens_out: str
    cost: str


@dataclass
class Summary:
    facts: list[tuple[str, str]] = field(default_factory=list)
    llms: list[LLMLine] = field(default_factory=list)
    #: Errors the run record kept per LLM (first and last), when requests failed.
    errors: list[tuple[str, str]] = field(default_factory=list)


def count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def money(value: Any) -> str:
    return f"{value:,.4f}" if isinstance(value, int | float) else "—"


def duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    minutes, rest = divmod(float(seconds), 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest:.0f} s" if minutes else f"{rest:.1f} s"


def run_summary(source: ReportSource) -> Summary:
    """Facts of the run, each only where the record (or the data) has it."""
    report = source.report
    summary = Summary()
    facts = summary.facts
    facts.append(("rows in this dataset", count(source.table.num_rows)))
    if source.task_name:
        facts.append(("task", source.task_name))
    if "rows" in report:
        resumed = report.get("rows_resumed") or 0
        done = f"{count(report.get('rows_done'))} of {count(report.get('rows'))}"
        facts.append(("rows run", done + (f" ({count(resumed)} resumed)" if resumed else "")))
    counts = report.get("counts") or {}
    if counts.get("generations_ok") or counts.get("generations_failed"):
        facts.append(("generations", _outcomes(counts, "generations", "ok")))
    if counts.get("labels_ok") or counts.get("labels_failed"):
        facts.append(("ratings", _outcomes(counts, "labels", "parsed")))
    if report.get("llms"):
        requests = sum((llm.get("usage") or {}).get("requests", 0) for llm in report["llms"])
        failed = report.get("failed_requests", 0)
        facts.append(("requests", f"{count(requests)} ({count(failed)} failed)"))
    if "input_tokens" in report:
        tokens = f"{count(report['input_tokens'])} in, {count(report.get('output_tokens'))} out"
        facts.append(("tokens", tokens))
    if report.get("cost") is not None:
        facts.append(("cost", money(report["cost"])))
    if "wall_seconds" in report:
        facts.append(("wall time", duration(report["wall_seconds"])))
    if report.get("tokens_per_second"):
        facts.append(("throughput", f"{report['tokens_per_second']:,.1f} output tokens/s"))
    cache = report.get("cache")
    if isinstance(cache, dict) and "hits" in cache:
        saved = cache.get("saved_cost")
        hits = count(cache["hits"]) + (f" (saved {money(saved)})" if saved is not None else "")
        facts.append(("cache hits", hits))
    if source.run and source.run.get("distil_version"):
        facts.append(("distil version", str(source.run["distil_version"])))
    for llm in report.get("llms") or []:
        usage = llm.get("usage") or {}
        summary.llms.append(
            LLMLine(
                str(llm.get("role", "")),
                str(llm.get("model", "")),
                count(usage.get("requests")),
                count(usage.get("failed_requests")),
                count(usage.get("retries")),
                count(usage.get("input_tokens")),
                count(usage.get("output_tokens")),
                money(llm.get("cost")),
            )
        )
        if usage.get("failed_requests"):
            errors = dict.fromkeys(
                e for e in (usage.get("first_error"), usage.get("last_error")) if e
            )
            summary.errors += [(str(llm.get("role", "")), str(error)) for error in errors]
    return summary


def _outcomes(counts: dict[str, Any], kind: str, ok: str) -> str:
    done, failed = counts.get(f"{kind}_ok", 0), counts.get(f"{kind}_failed", 0)
    text = f"{count(done)} {ok}, {count(failed)} failed"
    skipped = counts.get(f"{kind}_skipped") or 0
    return text + (f", {count(skipped)} not sent" if skipped else "")
