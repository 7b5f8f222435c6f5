"""LLM backends behind one small async interface.

Names are imported on first use (`from distilabel_cli.llms import VLLM` loads only the
vllm backend module), so importing this package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from distilabel_cli.errors import FatalLLMError
from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM, Completion, Pricing, Usage
    from distilabel_cli.llms.inference_endpoints import InferenceEndpointsLLM
    from distilabel_cli.llms.llama_cpp import LlamaCppLLM
    from distilabel_cli.llms.openai import OpenAILLM
    from distilabel_cli.llms.openai_azure import AzureOpenAILLM
    from distilabel_cli.llms.openai_batch import OpenAIBatchLLM
    from distilabel_cli.llms.pool import LLMPool
    from distilabel_cli.llms.process import ProcessLLM
    from distilabel_cli.llms.transformers import TransformersLLM
    from distilabel_cli.llms.vllm import VLLM

    vLLM = VLLM  # noqa: N816 - distilabel 0.6's spelling

#: YAML `llm.type` -> (module under distilabel_cli.llms, class name). A backend is one module
#: (its dataclass declares its options, see `options.py`) plus one line here.
LLM_TYPES: dict[str, tuple[str, str]] = {
    "llama-cpp": ("llama_cpp", "LlamaCppLLM"),
    "openai": ("openai", "OpenAILLM"),
    "openai-batch": ("openai_batch", "OpenAIBatchLLM"),
    "azure-openai": ("openai_azure", "AzureOpenAILLM"),
    "inference-endpoints": ("inference_endpoints", "InferenceEndpointsLLM"),
    "vllm": ("vllm", "VLLM"),
    "transformers": ("transformers", "TransformersLLM"),
}

#: Public name -> (module under distilabel_cli.llms, attribute).
EXPORTS: dict[str, tuple[str, str]] = {
    "LLM": ("base", "LLM"),
    "Completion": ("base", "Completion"),
    "Pricing": ("base", "Pricing"),
    "Usage": ("base", "Usage"),
    "LLMPool": ("pool", "LLMPool"),
    "ProcessLLM": ("process", "ProcessLLM"),
    **{name: (module, name) for module, name in LLM_TYPES.values()},
    "vLLM": ("vllm", "VLLM"),  # distilabel 0.6's spelling
}


def llm_class(llm_type: str) -> type[LLM]:
    """The LLM class of a YAML `llm.type` (its module imported now)."""
    module, name = LLM_TYPES[llm_type]
    return getattr(import_module(f"{__name__}.{module}"), name)


__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)

#: For static checkers; `EXPORTS` (a new backend included) is what `__getattr__` serves.
__all__ = [
    "LLM",
    "LLM_TYPES",
    "VLLM",
    "AzureOpenAILLM",
    "Completion",
    "FatalLLMError",
    "InferenceEndpointsLLM",
    "LLMPool",
    "LlamaCppLLM",
    "OpenAIBatchLLM",
    "OpenAILLM",
    "Pricing",
    "ProcessLLM",
    "TransformersLLM",
    "Usage",
    "llm_class",
    "vLLM",
]
