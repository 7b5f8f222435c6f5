"""`run.engine: ray`: the stages' LLMs run as Ray actors; the driver runs the normal engine.

- `proxy.RayStageLLM`: the stage's LLM on the driver; sends each request to a replica.
- `actor.StageActor`: one replica, the real LLM built from its spec where Ray placed it.
- `dispatch.ReplicaSet`: the least busy ready replica per request; lost replicas followed
  until Ray has restarted them, their calls sent again.
- `replicas`: each replica's spec (options, rate-limit share) and Ray resources.
- `cluster`: connect to the cluster once per process (`connect` / `release`).

Nothing here imports `ray` at module level: the local engine never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.pipeline.ray.proxy import RayStageLLM

#: Imported when first used: a replica's process needs `actor`, not the driver's proxy.
EXPORTS: dict[str, tuple[str, str]] = {"RayStageLLM": ("proxy", "RayStageLLM")}
__all__ = ["RayStageLLM", "placement_of", "stage_placement"]
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)


def placement_of(llm: Any) -> list[dict[str, Any]] | None:
    """Where the replicas of a stage's LLM run (a pool: its members'), for the run report;
    None for an LLM that does not run on Ray."""
    own = getattr(llm, "placement", None)
    if isinstance(own, list):
        return own
    members = getattr(llm, "members", None) or []
    found = [entry for member in members for entry in placement_of(member) or []]
    return found or None


def stage_placement(stages: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Stage name -> where its replicas run, for the stages (`Stage`s) that run on Ray (the
    run report's `placement`; empty for a local run)."""
    found = {name: placement_of(stage.llm) for name, stage in stages.items()}
    return {name: entries for name, entries in found.items() if entries}
