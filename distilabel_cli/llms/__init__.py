"""LLM backends behind one small async interface."""

from distilabel_cli.llms.base import LLM, Completion, FatalLLMError, Usage
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.openai import OpenAILLM

__all__ = ["LLM", "Completion", "FatalLLMError", "LlamaCppLLM", "OpenAILLM", "Usage"]
