"""Token prices of known models, from the `genai-prices` package (its offline data snapshot).

An LLM's own `pricing:` always wins. Otherwise the model is looked up for the provider its
backend talks to (OpenAI for `openai`, Azure for `azure-openai`); a model the package does not
know, or a local backend, has no price: its cost is shown as unknown, never as 0.
OpenAI's Batch API is half the online price.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from distilabel_cli.llms.base import Pricing

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM

#: Backends (by `backend_name`, else class name) and their genai-prices provider. The Batch
#: API backend names itself OpenAILLM and says `batch_api`: its known price is halved.
PROVIDERS = {"OpenAILLM": "openai", "AzureOpenAILLM": "azure"}
#: The Batch API's price as a share of the online price.
BATCH_DISCOUNT = 0.5


def pricing_for(llm: LLM) -> Pricing | None:
    """The LLM's `pricing:`, else the known price of its model, else None (unknown)."""
    if llm.pricing is not None:
        return llm.pricing
    backend = getattr(llm, "backend_name", None) or type(llm).__name__
    provider = PROVIDERS.get(backend)
    if provider is None:
        return None
    online = known_pricing(provider, llm.model_name)
    if online is None or not getattr(llm, "batch_api", False):
        return online
    return Pricing(
        input_per_million=online.input_per_million * BATCH_DISCOUNT,
        output_per_million=online.output_per_million * BATCH_DISCOUNT,
    )


@lru_cache(maxsize=64)
def known_pricing(provider: str, model: str) -> Pricing | None:
    """Per-million prices of `model` at `provider` (None when genai-prices does not know it)."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - a dependency; absent only in odd installs
        return None
    million = 1_000_000
    try:
        inputs = calc_price(Usage(input_tokens=million), model_ref=model, provider_id=provider)
        outputs = calc_price(Usage(output_tokens=million), model_ref=model, provider_id=provider)
    except LookupError:
        return None
    return Pricing(
        input_per_million=float(inputs.total_price),
        output_per_million=float(outputs.total_price),
    )
