"""`load_llm_fn`s and small LLMs for the pool/process tests.

Top-level, so that spawned children can import them (pytest puts tests/ on sys.path and
spawn hands sys.path to the child).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.llama_cpp import LlamaCppLLM
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


@dataclass(kw_only=True)
class NamedLLM(LLM):
    """Answers at once with `answer` (a cheap pool member); counts its calls."""

    name: str
    answer: str = "ok"
    calls: int = 0

    @property
    def model_name(self) -> str:
        return self.name

    async def agenerate(self, prompt: Any, num_generations: int = 1, json_schema: Any = None):
        self.calls += 1
        self.usage.requests += num_generations
        self.usage.record_success(1, 1)
        return [Completion(self.answer) for _ in range(num_generations)]


@dataclass(kw_only=True)
class BarrierLLM(LLM):
    """Answers only once `concurrency` requests are in flight together (else fails)."""

    concurrency: int = 3
    arrived: int = 0
    _all_in: asyncio.Event | None = field(default=None, init=False, repr=False)

    @property
    def model_name(self) -> str:
        return "barrier"

    async def agenerate(self, prompt: Any, num_generations: int = 1, json_schema: Any = None):
        if self._all_in is None:
            self._all_in = asyncio.Event()
        self.arrived += 1
        if self.arrived >= self.concurrency:
            self._all_in.set()
        try:
            await asyncio.wait_for(self._all_in.wait(), timeout=30)
        except TimeoutError:
            return [Completion(None, error=f"only {self.arrived} requests overlapped")]
        return [Completion(f"overlapped {self.arrived}") for _ in range(num_generations)]


def load_barrier(task: Task) -> LLM:
    return BarrierLLM(task=task)
