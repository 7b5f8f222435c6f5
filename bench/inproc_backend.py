"""`--backend inproc` of bench_engine.py: the fake server simulated inside the client.

Same slots, service time and answers as `fake_openai_server.py`, but no HTTP: it measures
distil's own framework cost (engine, tasks, dataset assembly) on its own.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from bench_engine import Scenario, fake, make_spec

from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.scripted import Request, ScriptedLLM
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.pipeline.core import Pipeline


class SimulatedServer:
    """The fake server's slot model, in process: `slots` requests of `service_time` at once."""

    def __init__(self, service_time: float, slots: int) -> None:
        self.service_time = service_time
        self.slots = slots
        self.counters: collections.Counter[str] = collections.Counter()
        self._in_service = 0
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self) -> None:
        """Hold a slot for the service time (FIFO beyond `slots`)."""
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.slots)
        self.counters["requests"] += 1
        async with self._semaphore:
            self._in_service += 1
            self.counters["max_in_service"] = max(self.counters["max_in_service"], self._in_service)
            try:
                await asyncio.sleep(self.service_time)
            finally:
                self._in_service -= 1


def simulated_llm(like: LLM, server: SimulatedServer) -> ScriptedLLM:
    """`like`'s stand-in (an OpenAILLM): same slots and answers as the fake server, no HTTP."""

    async def answer(request: Request) -> str:
        if request.index == 0:  # one server request answers all of its completions
            await server.serve()
        chat = isinstance(request.prompt, list)
        text = fake._prompt_text({"messages" if chat else "prompt": request.prompt}, chat=chat)
        structured = request.json_schema is not None
        if structured or any(marker in text for marker in fake._JUDGE_MARKERS):
            return fake.judge_answer(fake._count_responses(text), structured=structured)
        return fake.GENERATION_TEXT

    return ScriptedLLM(
        task=like.task,
        name=fake.MODEL_ID,
        answer=answer,
        structured=True,
        concurrency=like.concurrency,
    )


class InProcessBackend:
    """Pipelines whose LLMs are `ScriptedLLM`s answering from one `SimulatedServer`."""

    name = "inproc"

    def __init__(self, service_time: float, slots: int) -> None:
        self.server = SimulatedServer(service_time, slots)
        self.final_stats = ""

    def __enter__(self) -> InProcessBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.final_stats = "in-process (no HTTP)"

    def pipeline(self, scenario: Scenario) -> Pipeline:
        built = build_pipeline(make_spec(scenario, "http://unused/v1"))
        stages = [
            simulated_llm(llm, self.server) if llm is not None else None
            for llm in (built.generator, built.labeller)
        ]
        return Pipeline(generator=stages[0], labeller=stages[1])

    def cpu_seconds(self) -> float | None:
        return None  # the server's work is inside the client process

    def stats(self, reset: bool = False) -> dict[str, Any]:
        counters = {"requests": 0, "max_in_service": 0, **self.server.counters}
        if reset:
            self.server.counters.clear()
        return counters
