"""The replicas of a stage on Ray: each one's llm spec, resources and state.

`stage.ray.replicas` actors serve a stage. Replica i gets the stage's llm spec with its own
`replica_options[i]` applied and an even share of the stage's rate limits (the account's:
`requests_per_minute` / replicas, `tokens_per_minute` / replicas) unless its options set
its own. Its resources are the stage's, updated with its own `resources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from distilabel_cli.spec.ray_engine import REPLICA_RESOURCES, RayStageSpec, replica_spec

#: The limits of the stage's account, split evenly across its replicas.
SPLIT_LIMITS = ("requests_per_minute", "tokens_per_minute")

#: starting: the actor is being placed or loads its LLM; ready: it takes requests; lost: a
#: request to it failed with the actor (node died): Ray restarts it, we ask until it
#: answers; dead: it did not come back in time (or cannot load its LLM); closed: ended.
State = Literal["starting", "ready", "lost", "dead", "closed"]


@dataclass
class Replica:
    """One actor serving a stage, and what the driver knows of it."""

    index: int
    #: Its llm spec (options and rate-limit share applied).
    spec: Any
    #: Custom Ray resources it needs.
    resources: dict[str, float]
    handle: Any = None
    state: State = "starting"
    #: The `describe()` call in flight while the replica starts or is lost.
    pending: Any = None
    in_flight: int = 0
    #: Times it was lost (its actor died) and restarted by Ray.
    restarts: int = 0
    #: time.monotonic() when it was lost (None: it is not).
    lost_since: float | None = None
    #: Where it runs: node_id, node_ip, gpu_ids, pid (from the actor).
    where: dict[str, Any] = field(default_factory=dict)

    @property
    def capacity(self) -> int:
        """Requests it takes at once: its LLM's concurrency."""
        return max(1, int(self.spec.concurrency))

    @property
    def load(self) -> tuple[float, int, int]:
        """Sort key of the least busy replica."""
        return (self.in_flight / self.capacity, self.in_flight, self.index)

    def placement(self, label: str) -> dict[str, Any]:
        """What the run report records of this replica."""
        return {
            "llm": label,
            "replica": self.index,
            "state": self.state,
            "restarts": self.restarts,
            **self.where,
        }


def make_replicas(llm_spec: Any, stage: RayStageSpec) -> list[Replica]:
    """The replicas of a stage whose llm spec is `llm_spec` and whose `ray:` is `stage`."""
    count = stage.replicas
    replicas = []
    for index in range(count):
        options = dict(stage.replica_options[index]) if stage.replica_options else {}
        resources = {**stage.resources, **options.pop(REPLICA_RESOURCES, {})}
        for name in SPLIT_LIMITS:
            limit = getattr(llm_spec, name)
            if name not in options and limit is not None:
                options[name] = limit / count
        spec = replica_spec(llm_spec, options) if options else llm_spec
        replicas.append(Replica(index, spec, resources))
    return replicas


def actor_options(replica: Replica, stage: RayStageSpec) -> dict[str, Any]:
    """Ray's `.options()` of a replica's actor: its resources, spread over the nodes,
    restarted without end when its node dies (the driver resends what it had)."""
    options: dict[str, Any] = {
        "max_restarts": -1,
        "max_task_retries": 0,
        "max_concurrency": replica.capacity + 4,  # + describe/close calls
        "scheduling_strategy": "SPREAD",
    }
    # resources are passed only when asked: any explicit one makes Ray hold a CPU per actor
    if stage.num_gpus:
        options["num_gpus"] = stage.num_gpus
    if replica.resources:
        options["resources"] = replica.resources
    if stage.num_cpus is not None:
        options["num_cpus"] = stage.num_cpus
    return options
