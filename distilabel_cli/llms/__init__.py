"""LLM backends behind one small async interface."""

from distilabel_cli.llms.base import LLM, Completion, FatalLLMError, Usage
from distilabel_cli.llms.inference_endpoints import InferenceEndpointsLLM
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM
from distilabel_cli.llms.pool import LLMPool
from distilabel_cli.llms.process import ProcessLLM
from distilabel_cli.llms.transformers import TransformersLLM
from distilabel_cli.llms.vllm import VLLM

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
]
