"""`distil run --estimate`: what a whole run would ask and cost, measured on its first rows.

The first rows are run as `--dry-run` runs its row (nothing is written; answers go to the
request cache, so the real run does not pay for them again), their tokens per row per stage
are measured (answers from the cache count with the tokens they cost when asked), and scaled
to the whole input. Prices: the LLM's `pricing:`, else genai-prices' (llms/prices.py); the
Batch API column is half the online price where the Batch API exists (OpenAI, Azure).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distilabel_cli.dataset.io.inputs import load_input
from distilabel_cli.llms.base import Pricing
from distilabel_cli.llms.prices import BATCH_DISCOUNT, PROVIDERS
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.check import check_columns, check_tasks
from distilabel_cli.redact import register_spec_secrets
from distilabel_cli.spec.loader import SpecSource
from distilabel_cli.spec.models import PipelineSpec

DEFAULT_SAMPLE_ROWS = 5


@dataclass
class StageEstimate:
    """One stage's measured tokens per row, scaled to the input's rows."""

    role: str
    model: str
    items: int
    input_tokens: int
    output_tokens: int
    pricing: Pricing | None
    batch: bool

    @property
    def cost(self) -> float | None:
        if self.pricing is None:
            return None
        return self.pricing.price(self.input_tokens, self.output_tokens)

    @property
    def batch_cost(self) -> float | None:
        cost = self.cost
        return cost * BATCH_DISCOUNT if cost is not None and self.batch else None


@dataclass
class Estimate:
    rows: int
    measured_rows: int
    stages: list[StageEstimate]

    @property
    def cost(self) -> float | None:
        costs = [s.cost for s in self.stages]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


#: Options only the Batch API backend has (left out when a sample runs online).
BATCH_ONLY_OPTIONS = (
    "batch_window_seconds",
    "batch_max_requests",
    "batch_poll_seconds",
    "online_fallback",
)


def online_equivalent(spec: PipelineSpec) -> PipelineSpec:
    """`spec` with every `openai-batch` LLM as the plain `openai` LLM of the same options: a
    few sample rows (`--estimate`, `--dry-run`) must not wait hours for a batch. The answers
    have the same request-cache keys, so the real run does not pay for them again."""
    data = spec.model_dump(mode="json", exclude_unset=True)
    changed = False
    for role in ("generator", "labeller"):
        llm = (data.get(role) or {}).get("llm")
        if isinstance(llm, dict) and llm.get("type") == "openai-batch":
            llm["type"] = "openai"
            llm["concurrency"] = min(int(llm.get("concurrency") or 16), 64)
            for key in BATCH_ONLY_OPTIONS:
                llm.pop(key, None)
            changed = True
    if not changed:
        return spec
    for role in ("generator", "labeller"):  # secrets are SecretStr: dumped masked
        llm = (data.get(role) or {}).get("llm")
        original = getattr(getattr(spec, role), "llm", None) if getattr(spec, role) else None
        if isinstance(llm, dict) and original is not None and getattr(original, "api_key", None):
            llm["api_key"] = original.api_key.get_secret_value()
    return PipelineSpec.model_validate(data)


def estimate_spec(
    spec: PipelineSpec, source: SpecSource, sample_rows: int = DEFAULT_SAMPLE_ROWS
) -> Estimate:
    """Run the first `sample_rows` rows and scale what they used to the whole input."""
    register_spec_secrets(spec)
    spec = online_equivalent(spec)
    spec_dir = Path(source.file).parent
    tasks = check_tasks(spec, source)
    dataset = load_input(spec.input, spec_dir)
    check_columns(spec, source, tasks, dataset.column_names)
    total = len(dataset)
    sample = dataset.select(range(min(sample_rows, total)))
    pipeline = build_pipeline(spec, spec_dir)
    try:
        pipeline.generate(
            sample,
            num_generations=spec.run.num_generations,
            batch_size=spec.run.batch_size,
            cache=spec.run.cache,
        )
    finally:
        pipeline.close()
    report = pipeline.last_report
    assert report is not None
    measured = max(1, len(sample))
    stages = []
    scale = total / measured
    for llm_report in report.llms:
        usage = llm_report.usage
        stage = pipeline.stage(llm_report.role)
        assert stage is not None
        backend = getattr(stage.llm, "backend_name", None) or type(stage.llm).__name__
        stages.append(
            StageEstimate(
                role=llm_report.role,
                model=llm_report.model,
                items=(spec.run.num_generations if llm_report.role == "generator" else 1) * total,
                input_tokens=round((usage.input_tokens + usage.cached_input_tokens) * scale),
                output_tokens=round((usage.output_tokens + usage.cached_output_tokens) * scale),
                pricing=llm_report.pricing,
                batch=PROVIDERS.get(backend) in ("openai", "azure"),
            )
        )
    return Estimate(rows=total, measured_rows=len(sample), stages=stages)
