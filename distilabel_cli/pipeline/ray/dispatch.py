"""Send a stage's requests to its replicas, and notice replicas that are gone.

`ReplicaSet` tracks, in the running event loop, which replicas are ready, sends each
request to the least busy one, and follows the others until they are ready: those starting
(placed, loading their LLM) and those lost (a call failed with the actor, or a health check
went unanswered: its node died). Ray restarts a lost replica; until then its calls in flight
are given up (`ReplicaLost`) so that the proxy sends them again elsewhere: a call queued on
an actor that Ray cannot restart (no node has its resources any more) would wait forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import Any

from distilabel_cli.errors import FatalLLMError
from distilabel_cli.pipeline.ray import cluster
from distilabel_cli.pipeline.ray.replicas import Replica

log = logging.getLogger("distilabel_cli.ray")

#: Seconds a lost replica may take to come back (Ray restarts it) before it counts as dead.
REPLICA_LOST_TIMEOUT = 600.0
#: Seconds between health checks of the ready replicas.
CHECK_INTERVAL = 5.0
#: Seconds a replica has to answer a health check (or a lost one a `describe`).
CHECK_TIMEOUT = 30.0
#: Seconds between two calls to a lost replica (they fail fast while its node is down).
RETRY_PAUSE = 1.0


class ReplicaLost(Exception):
    """A call was given up with its replica: send it again."""


def lost_errors() -> tuple[type[BaseException], ...]:
    """Ray's errors of a call whose actor died or whose answer was lost with its node."""
    errors = cluster.import_ray().exceptions
    return (errors.RayActorError, errors.ObjectLostError, errors.NodeDiedError, ReplicaLost)


class ReplicaSet:
    """The replicas of one stage (`label`: its YAML path), as seen from the driver."""

    def __init__(self, label: str, replicas: list[Replica]) -> None:
        self.label = label
        self.replicas = replicas
        #: Why the stage cannot serve (a replica could not load its LLM).
        self.load_error: str | None = None
        self._calls: dict[int, set[asyncio.Future[Any]]] = {}
        self._watchers: dict[int, asyncio.Task[None]] = {}
        self._checker: asyncio.Task[None] | None = None
        self._changed: asyncio.Event | None = None

    def adopt(self, replica: Replica, answer: dict[str, Any]) -> None:
        """A replica answered `describe`: it is ready, or the stage cannot load its LLM."""
        replica.pending = None
        replica.where = answer["placement"]
        if answer["load_error"] is not None:
            where = replica.where.get("node_ip", "?")
            self.load_error = (
                f"{self.label}: replica {replica.index} (node {where}) could not load its "
                f"LLM: {answer['load_error']}"
            )
            replica.state = "dead"
            return
        replica.state = "ready"
        replica.lost_since = None

    async def pick(self) -> Replica:
        """The least busy ready replica; waits while none is ready."""
        while True:
            self._follow_all()
            if self.load_error is not None:
                raise FatalLLMError(self.load_error)
            ready = [r for r in self.replicas if r.state == "ready"]
            if ready:
                return min(ready, key=lambda r: r.load)
            if all(r.state in ("dead", "closed") for r in self.replicas):
                raise FatalLLMError(
                    f"{self.label}: every Ray replica was lost and none came back within "
                    f"{REPLICA_LOST_TIMEOUT:.0f} s"
                )
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    async def call(self, replica: Replica, *args: Any) -> Any:
        """`replica.generate(*args)`; raises ReplicaLost when the replica is given up."""
        ray = cluster.import_ray()
        ref = replica.handle.generate.remote(*args)
        call = asyncio.wrap_future(ref.future())
        calls = self._calls.setdefault(id(replica), set())
        calls.add(call)
        replica.in_flight += 1
        try:
            return await call
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if call.cancelled() and task is not None and not task.cancelling():
                raise ReplicaLost(f"replica {replica.index} stopped answering") from None
            raise
        finally:
            replica.in_flight -= 1
            calls.discard(call)
            if call.cancelled():
                with suppress(Exception):  # best effort: drop it where it waits
                    ray.cancel(ref)

    def lost(self, replica: Replica, why: str) -> None:
        """Give `replica` up until Ray has restarted it; its calls in flight are sent again."""
        if replica.state != "ready":
            return
        replica.state = "lost"
        replica.restarts += 1
        replica.lost_since = time.monotonic()
        replica.pending = replica.handle.describe.remote()
        log.warning("%s: replica %d was lost (%s); Ray restarts it", self.label, replica.index, why)
        for call in list(self._calls.get(id(replica), ())):
            call.cancel()
        self._follow_all()

    def _follow_all(self) -> None:
        """Follow each starting or lost replica until it is ready; check the ready ones."""
        loop = asyncio.get_running_loop()
        for replica in self.replicas:
            if replica.state in ("starting", "lost") and id(replica) not in self._watchers:
                self._watchers[id(replica)] = loop.create_task(self._follow(replica))
        if self._checker is None:
            self._checker = loop.create_task(self._check_ready())

    async def _follow(self, replica: Replica) -> None:
        lost = lost_errors()
        try:
            while True:
                try:
                    if replica.lost_since is None:  # starting: loading a model takes long
                        answer = await replica.pending
                    else:
                        answer = await asyncio.wait_for(_awaited(replica.pending), CHECK_TIMEOUT)
                except (*lost, TimeoutError) as exc:
                    since = replica.lost_since
                    if since is not None and time.monotonic() - since > REPLICA_LOST_TIMEOUT:
                        replica.state = "dead"
                        return
                    if isinstance(exc, TimeoutError) and since is not None:
                        log.warning(
                            "%s: replica %d is not back after %.0f s (can a node host it?)",
                            self.label,
                            replica.index,
                            time.monotonic() - since,
                        )
                    await asyncio.sleep(RETRY_PAUSE)  # its node is down: Ray restarts it
                    replica.pending = replica.handle.describe.remote()
                    continue
                self.adopt(replica, answer)
                return
        finally:
            self._watchers.pop(id(replica), None)
            if self._changed is not None:  # wake the requests waiting for a replica
                self._changed.set()
                self._changed = None

    async def _check_ready(self) -> None:
        """Every CHECK_INTERVAL, ping the ready replicas; one that does not answer is lost."""
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            ready = [r for r in self.replicas if r.state == "ready"]
            await asyncio.gather(*(self._check(r) for r in ready))

    async def _check(self, replica: Replica) -> None:
        try:
            await asyncio.wait_for(_awaited(replica.handle.ping.remote()), CHECK_TIMEOUT)
        except (*lost_errors(), TimeoutError) as exc:
            self.lost(replica, f"health check: {type(exc).__name__}")

    def reset_loop_state(self) -> None:
        """Forget the tasks of a finished event loop."""
        self._calls, self._watchers, self._checker, self._changed = {}, {}, None, None

    async def aclose(self) -> None:
        """Stop following and checking replicas in this event loop (the actors keep running)."""
        tasks = [*self._watchers.values(), *([self._checker] if self._checker else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.reset_loop_state()


def _awaited(ref: Any) -> asyncio.Future[Any]:
    """An ObjectRef as an asyncio future (cancelling it leaves the Ray task alone)."""
    return asyncio.wrap_future(ref.future())
