"""The Ray actor that serves one replica of a stage: the real LLM, where Ray placed it.

It makes the LLM from the backend type and options the driver sends (`llms.construct`:
the replica's process never imports the spec's models) on its node, loads it, and answers
`generate(prompt, n, schema)` with `(kind, value, usage)` as `ProcessLLM`'s child does: kind
`ok` (the completions, failed ones included), `unsupported` (no JSON schema: ask again in
plain text) or `fatal` (the run stops); `usage` is what the LLM's counters grew by since the
previous answer, so the driver's totals are the cluster's. A failed load is reported by
`describe` and `generate` (fatal), not by dying: Ray would not restart it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, fields
from typing import Any

from distilabel_cli.errors import DistilError, FatalLLMError, StructuredOutputUnsupported
from distilabel_cli.llms.base import LLM, Completion, Usage

#: Usage counters that add up across replicas (the others are the latest, or the lowest).
ADDITIVE = tuple(
    f.name
    for f in fields(Usage)
    if f.type in ("int", int) and f.name not in ("consecutive_failures", "lowest_concurrency")
)


class StageActor:
    """One replica: `llm_type` and `options` are its llm spec's (`llm_options`: its own
    options and rate-limit share applied), `label` its YAML path, `env` the driver's key
    variables (OPENAI_API_KEY, HF_TOKEN, ...) that the backend may read when the spec gives
    no key."""

    def __init__(
        self, llm_type: str, options: dict[str, Any], label: str, env: dict[str, str]
    ) -> None:
        from distilabel_cli.llms.construct import construct_llm
        from distilabel_cli.llms.process_child import describe
        from distilabel_cli.redact import register_secret_variables

        os.environ.update(env)
        register_secret_variables()
        self.label = label
        self.llm: LLM | None = None
        self.info: dict[str, Any] = {}
        self.load_error: str | None = None
        self._reported = Usage()
        try:
            self.llm = construct_llm(llm_type, options, None, label)
            load = getattr(self.llm, "load", None)
            if callable(load):
                load()  # a bad model or a missing GPU shows now, not at the first request
            self.info = describe(self.llm)
        except Exception as exc:  # noqa: BLE001 - reported to the driver by describe()
            why = exc.message if isinstance(exc, DistilError) else f"{type(exc).__name__}: {exc}"
            self.load_error = why

    async def describe(self) -> dict[str, Any]:
        """The LLM's description (`process_child.describe`), where this replica runs, and
        the load error if the LLM could not be built or loaded."""
        return {"info": self.info, "load_error": self.load_error, "placement": placement()}

    async def ping(self) -> bool:
        """The driver's health check: answers at once while the actor lives."""
        return True

    async def generate(
        self, prompt: Any, num_generations: int, json_schema: dict[str, Any] | None
    ) -> tuple[str, Any, dict[str, Any]]:
        if self.llm is None:
            return ("fatal", f"{self.label}: loading the LLM failed: {self.load_error}", {})
        llm = self.llm
        result: tuple[str, Any]
        try:
            result = ("ok", await llm.agenerate(prompt, num_generations, json_schema))
        except StructuredOutputUnsupported as exc:
            result = ("unsupported", str(exc))
        except FatalLLMError as exc:
            result = ("fatal", str(exc))
        except Exception as exc:  # noqa: BLE001 - a failed request, as the engine expects
            error = f"{type(exc).__name__}: {exc}"
            llm.usage.requests += num_generations
            for _ in range(num_generations):
                llm.usage.record_failure(error)
            result = ("ok", [Completion(text=None, error=error) for _ in range(num_generations)])
        return (*result, self._usage_delta())

    def _usage_delta(self) -> dict[str, Any]:
        """What the LLM's counters grew by since the last answer, and its latest errors."""
        assert self.llm is not None
        now = self.llm.usage
        delta: dict[str, Any] = {
            name: getattr(now, name) - getattr(self._reported, name) for name in ADDITIVE
        }
        delta.update(
            first_error=now.first_error,
            last_error=now.last_error,
            lowest_concurrency=now.lowest_concurrency,
        )
        self._reported = Usage(**asdict(now))
        return delta

    async def close(self) -> None:
        """Release the LLM's connections, threads or model before Ray ends this actor."""
        if self.llm is not None:
            await self.llm.aclose()
            self.llm.close()


def placement() -> dict[str, Any]:
    """Where this actor runs: node id and IP, the GPUs Ray gave it, its process id."""
    import ray

    context = ray.get_runtime_context()
    return {
        "node_id": context.get_node_id(),
        "node_ip": ray.util.get_node_ip_address(),
        "gpu_ids": [str(gpu) for gpu in ray.get_gpu_ids()],
        "pid": os.getpid(),
    }
