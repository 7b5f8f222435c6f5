"""RayStageLLM: a stage's LLM on the driver whose requests a pool of Ray actors answers.

The driver keeps formatting prompts, parsing answers, the checkpoint and the output (one
writer: no row lost or written twice); each `agenerate` goes to the least busy replica
(`StageActor`), which runs the real LLM where Ray placed it. A request whose replica dies
(its node's raylet killed) is sent again to another replica, or to the same one once Ray
restarted it (`dispatch.py`); only what the LLM itself failed comes back as a failed
Completion.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from distilabel_cli.errors import (
    DistilError,
    FatalLLMError,
    MissingExtraError,
    StructuredOutputUnsupported,
)
from distilabel_cli.llms.base import LLM, Completion
from distilabel_cli.llms.construct import llm_options
from distilabel_cli.llms.options import options_of
from distilabel_cli.pipeline.ray import cluster
from distilabel_cli.pipeline.ray.actor import ADDITIVE, StageActor
from distilabel_cli.pipeline.ray.dispatch import ReplicaSet, lost_errors
from distilabel_cli.pipeline.ray.replicas import actor_options, make_replicas
from distilabel_cli.prompt_types import FormattedPrompt, PromptFormat
from distilabel_cli.redact import SECRET_VARIABLES
from distilabel_cli.spec.ray_engine import RayRunSpec, RayStageSpec

log = logging.getLogger("distilabel_cli.ray")

#: A request lost with its replica this many times fails (a prompt that kills its replica).
MAX_LOSSES = 3
#: Seconds between notices while no replica has started (the cluster lacks resources?).
WAIT_NOTICE = 30.0
#: Seconds a replica has to release its LLM at close before Ray ends it.
CLOSE_TIMEOUT = 10.0
#: LLM options the proxy does not mirror from its replicas: its own (the stage's totals).
NOT_MIRRORED = frozenset({"concurrency", "requests_per_minute", "tokens_per_minute"})


@dataclass(kw_only=True)
class RayStageLLM(LLM):
    """The LLM of `llm_spec`, served by `stage.replicas` Ray actors on the cluster of
    `cluster` (None: RAY_ADDRESS, else `auto`).

    `concurrency` is the replicas' together (each replica's LLM keeps its own); `usage`
    adds up what every replica's LLM counted; `placement` says where each replica runs.
    `label` (the YAML path) names it in errors. Actors start on the first use (`start`).
    """

    llm_spec: Any
    stage: RayStageSpec = field(default_factory=RayStageSpec)
    cluster: RayRunSpec | None = None
    label: str = "llm"
    _set: ReplicaSet = field(init=False, repr=False)
    _info: dict[str, Any] | None = field(default=None, init=False, repr=False)
    _started: bool = field(default=False, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if importlib.util.find_spec("ray") is None:
            raise MissingExtraError(f"run.engine: ray needs Ray: {cluster.EXTRA_HINT}")
        for name in options_of(LLM):
            setattr(self, name, getattr(self.llm_spec, name))
        self._set = ReplicaSet(self.label, make_replicas(self.llm_spec, self.stage))
        self.concurrency = sum(replica.capacity for replica in self._set.replicas)

    # -- the actors ----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the cluster and create the replicas' actors (they load in the
        background); idempotent."""
        with self._lock:
            if self._started:
                return
            ray = cluster.connect(self.cluster)
            self._started = True
            if any(replica.handle is not None for replica in self._set.replicas):  # closed
                self._set = ReplicaSet(self.label, make_replicas(self.llm_spec, self.stage))
            actor = ray.remote(StageActor)
            env = {name: os.environ[name] for name in SECRET_VARIABLES if os.environ.get(name)}
            for replica in self._set.replicas:
                label = f"{self.label} (replica {replica.index})"
                options = actor_options(replica, self.stage)
                args = (replica.spec.type, llm_options(replica.spec), label, env)
                replica.handle = actor.options(**options).remote(*args)
                replica.pending = replica.handle.describe.remote()

    def _loaded(self) -> dict[str, Any]:
        """The description of the LLM, once a first replica has loaded it (blocks)."""
        if self._info is not None:
            return self._info
        self.start()
        with self._lock:
            if self._info is None:
                self._info = self._first_ready()
                for name, value in self._info["options"].items():
                    if name not in NOT_MIRRORED:
                        setattr(self, name, value)
        return self._info

    def _start_and_load(self) -> None:
        self.start()
        self._loaded()

    def _first_ready(self) -> dict[str, Any]:
        """Wait for the first replica to answer `describe` (a notice every WAIT_NOTICE)."""
        ray = cluster.import_ray()
        lost = lost_errors()
        waited = 0.0
        while True:
            starting = {r.pending: r for r in self._set.replicas if r.state == "starting"}
            if not starting:
                raise DistilError(f"{self.label}: none of its Ray replicas started")
            done, _ = ray.wait(list(starting), num_returns=1, timeout=WAIT_NOTICE)
            if not done:
                waited += WAIT_NOTICE
                log.warning(
                    "%s: waiting %.0f s for a replica to start: %s; free in the cluster: {%s}",
                    self.label,
                    waited,
                    self._needs(),
                    _free_resources(ray),
                )
                continue
            replica = starting[done[0]]
            try:
                answer = ray.get(done[0])
            except lost:  # it died while starting: Ray starts it again
                replica.pending = replica.handle.describe.remote()
                continue
            self._set.adopt(replica, answer)
            if self._set.load_error is not None:
                raise DistilError(self._set.load_error)
            return answer["info"]

    def _needs(self) -> str:
        stage = self.stage
        needs = {"GPU": stage.num_gpus, "CPU": stage.num_cpus, **stage.resources}
        wanted = ", ".join(f"{k}: {v:g}" for k, v in needs.items() if v)
        return f"each of its {stage.replicas} replicas needs {{{wanted or 'CPU: 1'}}} on a node"

    # -- what the engine reads -----------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self._loaded()["model_name"]

    @property
    def backend_name(self) -> str:
        """The class name of the LLM the replicas run (e.g. OpenAILLM)."""
        return self._loaded()["backend"]

    @property
    def supports_structured_output(self) -> bool:
        return self.structured_output_for(self.effective_prompt_format)

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        return self._loaded()["structured"][prompt_format]

    def format_for(self, task_format: PromptFormat) -> PromptFormat:
        return self.prompt_format or self._loaded()["prompt_format"] or task_format

    def output_settings(self) -> dict[str, Any]:
        return self._loaded()["output_settings"]

    @property
    def placement(self) -> list[dict[str, Any]]:
        """Per replica: its index, state, restarts and where it runs (node, IP, GPUs)."""
        return [replica.placement(self.label) for replica in self._set.replicas]

    # -- requests ------------------------------------------------------------------------------

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        if self._info is None or not self._started:
            try:
                await asyncio.to_thread(self._start_and_load)
            except DistilError as exc:
                raise FatalLLMError(exc.message) from None
        lost = lost_errors()
        why = ""
        async with self.slots:
            for _ in range(MAX_LOSSES):
                replica = await self._set.pick()
                try:
                    kind, value, usage = await self._set.call(
                        replica, prompt, num_generations, json_schema
                    )
                    break
                except lost as exc:
                    why = _first_line(exc)
                    self._set.lost(replica, why)
            else:
                why = f"{self.label}: lost {MAX_LOSSES} times with its replica: {why}"
                return self._failed(num_generations, why)
        self._add_usage(usage)
        if kind == "ok":
            return value
        if kind == "unsupported":
            raise StructuredOutputUnsupported(value)
        raise FatalLLMError(value)

    def _add_usage(self, delta: dict[str, Any]) -> None:
        """Add a replica's usage growth to this LLM's (the cluster's totals)."""
        usage = self.usage
        for name in ADDITIVE:
            setattr(usage, name, getattr(usage, name) + delta.get(name, 0))
        if delta.get("ok_requests"):
            usage.consecutive_failures = 0
        elif delta.get("failed_requests"):
            usage.consecutive_failures += delta["failed_requests"]
            usage.last_error = delta.get("last_error") or usage.last_error
        usage.first_error = usage.first_error or delta.get("first_error")
        lowest = delta.get("lowest_concurrency")
        if lowest is not None:
            known = usage.lowest_concurrency
            usage.lowest_concurrency = lowest if known is None else min(known, lowest)

    def _failed(self, num_generations: int, error: str) -> list[Completion]:
        self.usage.requests += num_generations
        for _ in range(num_generations):
            self.usage.record_failure(error)
        return [Completion(text=None, error=error) for _ in range(num_generations)]

    # -- lifecycle -----------------------------------------------------------------------------

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        self._set.reset_loop_state()

    async def aclose(self) -> None:
        """Stop following replicas in this event loop (the actors keep running)."""
        await self._set.aclose()

    def close(self) -> None:
        """End the replicas' actors (their LLMs released first); a later request starts
        new ones. What describes the LLM (`model_name`, ...) and `placement` remain."""
        with self._lock:
            if not self._started:
                return
            ray = cluster.import_ray()
            replicas = self._set.replicas
            ready = [r.handle for r in replicas if r.state == "ready"]
            try:
                ray.get([handle.close.remote() for handle in ready], timeout=CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001 - it is ended below either way
                log.warning("%s: a replica did not release its LLM in time", self.label)
            for replica in replicas:
                if replica.handle is not None:
                    ray.kill(replica.handle, no_restart=True)
                replica.state = "closed"  # `placement` still says where it ran
            self._set.load_error = None
            self._started = False
            cluster.release()


def _free_resources(ray: Any) -> str:
    free = ray.available_resources()
    shown = {k: v for k, v in free.items() if not k.startswith(("node:", "memory", "object_"))}
    return ", ".join(f"{k}: {v:g}" for k, v in sorted(shown.items()))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
