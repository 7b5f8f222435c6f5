"""What a run did: rows, parse counts, tokens, retries, cost and time per LLM."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from distilabel_cli.llms.base import LLM, Pricing, Usage
from distilabel_cli.pipeline.engine import ParseCounts


@dataclass
class LLMReport:
    """One LLM's role, model, usage and (with `pricing`) cost."""

    role: str
    model: str
    usage: Usage
    pricing: Pricing | None = None

    @property
    def cost(self) -> float | None:
        return self.pricing.cost(self.usage) if self.pricing is not None else None

    @property
    def saved_cost(self) -> float | None:
        """What the answers read from the request cache would have cost."""
        if self.pricing is None:
            return None
        usage = self.usage
        return self.pricing.price(usage.cached_input_tokens, usage.cached_output_tokens)


@dataclass
class RunReport:
    """Counters of one `Pipeline.generate` call."""

    rows: int = 0
    rows_done: int = 0
    rows_resumed: int = 0
    #: Rows an earlier run left with failed items, requested again by this run.
    rows_retried: int = 0
    checkpoint: str | None = None
    num_generations: int = 0
    counts: ParseCounts = field(default_factory=ParseCounts)
    llms: list[LLMReport] = field(default_factory=list)
    wall_seconds: float = 0.0
    #: Where each stage's Ray replicas ran (node, GPUs); empty for the local engine.
    placement: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def for_llms(cls, generator: LLM | None, labeller: LLM | None, **kwargs: Any) -> RunReport:
        from distilabel_cli.llms.prices import pricing_for

        llms = [
            LLMReport(role, llm.model_name, llm.usage, pricing_for(llm))
            for role, llm in (("generator", generator), ("labeller", labeller))
            if llm is not None
        ]
        return cls(llms=llms, **kwargs)

    @property
    def input_tokens(self) -> int:
        return sum(r.usage.input_tokens for r in self.llms)

    @property
    def output_tokens(self) -> int:
        return sum(r.usage.output_tokens for r in self.llms)

    @property
    def cost(self) -> float | None:
        """Total cost of the LLMs that have a price (None: none has)."""
        costs = [r.cost for r in self.llms if r.cost is not None]
        return sum(costs) if costs else None

    @property
    def cache_hits(self) -> int:
        return sum(r.usage.cache_hits for r in self.llms)

    @property
    def saved_cost(self) -> float | None:
        """What the cache saved, for the LLMs that have a price (None: none has)."""
        saved = [r.saved_cost for r in self.llms if r.saved_cost is not None]
        return sum(saved) if saved else None

    @property
    def requests(self) -> int:
        return sum(r.usage.requests for r in self.llms)

    @property
    def failed_requests(self) -> int:
        return sum(r.usage.failed_requests for r in self.llms)

    @property
    def failed_fraction(self) -> float:
        """Share of this run's requests (items) that failed after their retries."""
        return self.failed_requests / self.requests if self.requests else 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.output_tokens / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, llm in zip(data["llms"], self.llms, strict=True):
            entry["pricing"] = llm.pricing.model_dump() if llm.pricing is not None else None
            entry["cost"] = _rounded(llm.cost)
        data.update(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            tokens_per_second=round(self.tokens_per_second, 2),
            failed_requests=self.failed_requests,
            cost=_rounded(self.cost),
            cache={"hits": self.cache_hits, "saved_cost": _rounded(self.saved_cost)},
        )
        return data


def _rounded(cost: float | None) -> float | None:
    return None if cost is None else round(cost, 6)
