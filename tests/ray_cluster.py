"""A real three-node Ray cluster (a head and two workers) inside a private network namespace.

Ray advertises the machine's outward interface even when told `--node-ip-address=127.0.0.1`,
so the cluster, the test servers and the `distil run` drivers all live in a fresh network
namespace that has only loopback: nothing they do can reach another host. The namespace is
held open by a sleeping `unshare -n` process; code enters it with `setns` for as long as a
`with cluster.inside():` block lasts (sockets bound and processes started there stay in it).

Each node is one `ray start --block` process in its own process group: `kill_node` kills a
worker node at once (that group, and the worker processes holding its actors), as a lost
machine would be. Ports are fixed: no other process can hold a port inside a namespace made
for this cluster. The worker nodes have 2 fake GPUs each and a custom resource naming them
(`node_a`, `node_b`), so GPU placement and node pinning are exercised without GPUs. At the
end every process in the namespace is killed (not `ray stop`, which would stop any Ray
cluster on the machine). Needs root (to make the namespace) and `ray`; `skip_reason()`
says why a machine cannot run it.

    with RayCluster.started() as cluster:
        with cluster.inside():
            server = CountingServer()  # listens on 127.0.0.1 inside the namespace
        cluster.run([sys.executable, "-m", "distilabel_cli", "run", "spec.yaml",
                     "--ray", cluster.address])
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000
HEAD_PORT = 6379
WORKERS = ("a", "b")
GPUS_PER_WORKER = 2
STARTUP_TIMEOUT = 120.0
RAY = [sys.executable, "-m", "ray.scripts.scripts"]  # the `ray` command of this Python
_ACTIVE_NODE = re.compile(r"^\s*1 node_[0-9a-f]{16,}\s*$")
_libc = ctypes.CDLL(None, use_errno=True)


def skip_reason() -> str | None:
    """Why this machine cannot run the cluster (None: it can)."""
    if importlib.util.find_spec("ray") is None:
        return "needs ray (pip install -e '.[ray]')"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2) to make a network namespace"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a network namespace (needs root): {probe.stderr.strip()}"
    return None


class NetworkNamespace:
    """A new network namespace with only loopback (up), alive while `holder` sleeps."""

    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "-n", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep inf"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "up":
            self.holder.kill()
            raise RuntimeError("could not bring up loopback in a new network namespace")
        self.path = f"/proc/{self.holder.pid}/ns/net"
        self.inode = os.stat(self.path).st_ino

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the block with this thread in the namespace (and back in its own afterwards)."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(self.path, os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(home)
        finally:
            os.close(target)
            os.close(home)

    def kill_all(self) -> None:
        """SIGKILL every process in the namespace (all of them were started by us), then the
        holder: no process of the cluster survives, whatever process group it moved to."""
        for pid in self.members():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.holder.kill()
        self.holder.wait()

    def descendants(self, pid: int) -> list[int]:
        """The processes in the namespace that `pid` started, and theirs, and so on."""
        children: dict[int, list[int]] = {}
        for member in self.members():
            with contextlib.suppress(OSError), open(f"/proc/{member}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(member)
        found, todo = [], [pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def members(self) -> list[int]:
        """Ids of the processes in this namespace, except the holder."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == self.holder.pid:
                continue
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}/ns/net").st_ino == self.inode:
                    pids.append(int(entry))
        return pids


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


@dataclass
class Node:
    """One `ray start --block` process (the leader of its own process group)."""

    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None


class RayCluster:
    """A head (no GPUs, 1 CPU) and worker nodes `a` and `b` (2 fake GPUs, 4 CPUs each).

    CPU counts are Ray's bookkeeping, not cores: an actor given any resource (even
    `num_gpus=0`) holds 1 CPU while it lives, so each worker has room for 4 replicas."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.address = f"127.0.0.1:{HEAD_PORT}"
        self.namespace = NetworkNamespace()
        self.nodes: dict[str, Node] = {"head": Node("head", self._head_args())}
        for k, name in enumerate(WORKERS, start=1):
            self.nodes[name] = Node(name, self._worker_args(name, k))

    @classmethod
    @contextlib.contextmanager
    def started(cls) -> Iterator[RayCluster]:
        """A running cluster for the block; everything is stopped and removed afterwards.

        The temp dir is short (`/tmp/rayXXXX`): Ray's unix sockets live under it and a
        socket path may not exceed 107 characters."""
        root = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
        cluster = None
        try:
            cluster = cls(root)
            for name in cluster.nodes:
                cluster.start_node(name)
            yield cluster
        finally:
            if cluster is not None:
                cluster.stop()
            shutil.rmtree(root, ignore_errors=True)

    def inside(self) -> contextlib.AbstractContextManager[None]:
        """`with cluster.inside():` binds sockets and starts processes in the namespace."""
        return self.namespace.inside()

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start a process in the namespace, with the cluster's `environment()`."""
        env = {**os.environ, **self.environment(), **kwargs.pop("env", {})}
        with self.inside():
            return subprocess.Popen(args, env=env, **kwargs)

    def run(
        self, args: list[str], timeout: float = 300, **kwargs: Any
    ) -> subprocess.CompletedProcess:
        """Run a process in the namespace to its end, output captured as text."""
        process = self.popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"{args} ran past {timeout} s:\n{stdout}\n{stderr}") from None
        return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)

    def start_node(self, name: str) -> None:
        """Start node `name` (again, after `kill_node`) and wait until the cluster has it."""
        node = self.nodes[name]
        live = [n for n in self.nodes.values() if self.is_up(n.name)]
        if live:  # a killed node must be gone from the cluster first, or it would count
            self.wait_for_nodes(len(live), live[0])
        with (self.root / f"{name}.log").open("ab") as log:
            node.process = self.popen(
                node.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_for_nodes(len(live) + 1, node)

    def is_up(self, name: str) -> bool:
        """Whether node `name`'s `ray start` process runs (it was started and not killed)."""
        process = self.nodes[name].process
        return process is not None and process.poll() is None

    def kill_node(self, name: str) -> None:
        """SIGKILL worker node `name` at once: its `ray start`, raylet and agents (its process
        group) and every process they started (Ray's worker processes, which hold the
        node's actors, make process groups of their own)."""
        node = self.nodes[name]
        assert node.process is not None and self.is_up(name), f"{name} is not up"
        tree = self.namespace.descendants(node.process.pid)
        os.killpg(node.process.pid, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node.process.wait()

    def active_nodes(self) -> int:
        """How many nodes `ray status` reports alive (-1: it cannot reach the head)."""
        result = self.run([*RAY, "status", f"--address={self.address}"], timeout=60)
        if result.returncode != 0:
            return -1
        section = result.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0]
        return sum(bool(_ACTIVE_NODE.match(line)) for line in section.splitlines())

    def wait_for_nodes(self, count: int, watched: Node) -> None:
        """Poll `ray status` until exactly `count` nodes are alive; fail with the log of
        `watched` (the node starting) if it exits or the cluster does not get there."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert watched.process is not None
            if watched.process.poll() is not None:
                raise RuntimeError(f"ray node {watched.name} exited:\n{self.log(watched.name)}")
            if self.active_nodes() == count:
                return
            time.sleep(0.5)  # real wait, polling the cluster's state (noqa: real-wait)
        raise RuntimeError(
            f"not {count} ray nodes alive within {STARTUP_TIMEOUT} s:\n{self.log(watched.name)}"
        )

    def log(self, name: str) -> str:
        """The tail of node `name`'s `ray start` output."""
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        """Kill every process of the cluster (all of them live in its namespace)."""
        self.namespace.kill_all()
        for node in self.nodes.values():
            if node.process is not None:
                node.process.wait()

    def _head_args(self) -> list[str]:
        return [
            *_ray_start(HEAD_PORT + 1),
            "--head",
            f"--port={HEAD_PORT}",
            f"--temp-dir={self.root}",
            "--num-cpus=1",
            "--num-gpus=0",
            "--include-dashboard=false",
            "--ray-client-server-port=10001",
            "--min-worker-port=10100",
            "--max-worker-port=10999",
        ]

    def _worker_args(self, name: str, k: int) -> list[str]:
        return [
            *_ray_start(HEAD_PORT + 1 + 10 * k),
            f"--address={self.address}",
            "--num-cpus=4",
            f"--num-gpus={GPUS_PER_WORKER}",
            f'--resources={{"node_{name}": 100}}',
            f"--min-worker-port={10000 + 1000 * k + 100}",
            f"--max-worker-port={10000 + 1000 * k + 999}",
        ]

    def environment(self) -> dict[str, str]:
        """The environment of every process in the namespace: the cluster's address, no usage
        stats, no token auth (the namespace is the fence; a token in ~/.ray/auth_token would
        otherwise switch it on for some processes only), and a dead node noticed after 3
        missed health checks a second apart instead of 5 three seconds apart."""
        return {
            "RAY_ADDRESS": self.address,
            "RAY_AUTH_MODE": "disabled",
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_health_check_period_ms": "1000",
            "RAY_health_check_failure_threshold": "3",
        }


def _ray_start(base_port: int) -> list[str]:
    """`ray start --block` with the ports a node binds, from `base_port` up, and small memory."""
    return [
        *RAY,
        "start",
        "--block",
        "--node-ip-address=127.0.0.1",
        "--disable-usage-stats",
        "--object-store-memory=100000000",
        f"--node-manager-port={base_port}",
        f"--object-manager-port={base_port + 1}",
        f"--dashboard-agent-listen-port={base_port + 2}",
        f"--dashboard-agent-grpc-port={base_port + 3}",
        f"--runtime-env-agent-port={base_port + 4}",
        f"--metrics-export-port={base_port + 5}",
    ]
