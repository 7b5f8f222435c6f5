"""LLM backends behind one small async interface.

Names are imported on first use (`from distilabel_cli.llms import VLLM` loads only the
vllm backend module), so importing this package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distilabel_cli.llms.base import LLM, Completion, FatalLLMError, Usage
    from distilabel_cli.llms.inference_endpoints import InferenceEndpointsLLM
    from distilabel_cli.llms.llama_cpp import LlamaCppLLM
    from distilabel_cli.llms.openai import OpenAILLM
    from distilabel_cli.llms.pool import LLMPool
    from distilabel_cli.llms.process import ProcessLLM
    from distilabel_cli.llms.transformers import TransformersLLM
    from distilabel_cli.llms.vllm import VLLM

    vLLM = VLLM  # noqa: N816 - distilabel 0.6's spelling

#: Public name -> (module under distilabel_cli.llms, attribute).
EXPORTS: dict[str, tuple[str, str]] = {
    "LLM": ("base", "LLM"),
    "Completion": ("base", "Completion"),
    "FatalLLMError": ("base", "FatalLLMError"),
    "Usage": ("base", "Usage"),
    "InferenceEndpointsLLM": ("inference_endpoints", "InferenceEndpointsLLM"),
    "LlamaCppLLM": ("llama_cpp", "LlamaCppLLM"),
    "OpenAILLM": ("openai", "OpenAILLM"),
    "LLMPool": ("pool", "LLMPool"),
    "ProcessLLM": ("process", "ProcessLLM"),
    "TransformersLLM": ("transformers", "TransformersLLM"),
    "VLLM": ("vllm", "VLLM"),
    "vLLM": ("vllm", "VLLM"),  # distilabel 0.6's spelling
}


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = EXPORTS[name]
    value = getattr(import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *EXPORTS])


__all__ = [
    "LLM",
    "VLLM",
    "Completion",
    "FatalLLMError",
    "InferenceEndpointsLLM",
    "LLMPool",
    "LlamaCppLLM",
    "OpenAILLM",
    "ProcessLLM",
    "TransformersLLM",
    "Usage",
    "vLLM",
]
