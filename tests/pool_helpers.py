"""`load_llm_fn`s for the pool/process tests.

Top-level, so that spawned children can import them (pytest puts tests/ on sys.path and
spawn hands sys.path to the child).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.tasks.base import Task

PIN = "CUDA_VISIBLE_DEVICES"
#: What the pin was when this module was first imported (in a child: before any test code).
PIN_AT_IMPORT = os.environ.get(PIN)


@dataclass(kw_only=True)
class PinReportingLlamaCpp(LlamaCppLLM):
    """The embedded model; its name tells the pin its process saw (now and at import)."""

    @property
    def model_name(self) -> str:
        return f"{super().model_name}|{PIN}={os.environ.get(PIN)}|import={PIN_AT_IMPORT}"


def load_embedded(task: Task) -> LLM:
    return LlamaCppLLM(task=task, model="embedded", max_new_tokens=4, n_threads=1, seed=3)


def load_pin_reporting(task: Task) -> LLM:
    return PinReportingLlamaCpp(task=task, max_new_tokens=4, n_threads=1, seed=3)


def load_missing_model(task: Task) -> LLM:
    raise FileNotFoundError("no model at /nowhere/model.gguf")


def load_then_die(task: Task) -> LLM:
    os._exit(3)


def load_barrier(task: Task) -> LLM:
    """An LLM that answers only once `concurrency` requests are in flight together."""
    llm = ScriptedLLM(task=task, name="barrier", concurrency=3)
    all_in = asyncio.Event()

    async def answer(request: Request) -> Completion | str:
        if llm.in_flight >= llm.concurrency:
            all_in.set()
        try:
            await asyncio.wait_for(all_in.wait(), timeout=30)
        except TimeoutError:
            return Completion(None, error=f"only {llm.peak} requests overlapped")
        return f"overlapped {llm.peak}"

    llm.answer = answer
    return llm
