"""`distil run` with `engine: ray` on a real three-node Ray cluster (tests/ray_cluster.py).

The cluster, the counting OpenAI-compatible server (tests/counting_server.py) and every
`distil run` driver live in one private network namespace with only loopback. The same spec
runs on the single-process engine and on the cluster; the tests compare the written datasets,
read where replicas ran from the run record (`distil-run.json`), kill a worker node and the
driver mid-run, and count at the server which prompts were requested again.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from counting_server import CountingServer
from ray_cluster import RayCluster, skip_reason

SKIP_REASON = skip_reason()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")

ROWS = 24
#: The generator's spread: 4 replicas of 1 GPU on 2 workers of 2 fake GPUs each.
SPREAD = {"replicas": 4, "num_gpus": 1}
#: Where a judge prompt (tasks/templates) names the row's input.
JUDGE_INSTRUCTION = re.compile(r"## Instruction\n(.*?)\n\n## Responses", re.DOTALL)


def input_text(i: int) -> str:
    return f"question {i}"


def write_spec(
    workdir: Path,
    server: CountingServer,
    name: str,
    generator_ray: dict[str, Any],
    labeller_ray: dict[str, Any],
    concurrency: int = 2,
) -> Path:
    """A generator + UltraFeedback judge spec with per-stage `ray:` placement (JSON is YAML;
    the local engine ignores `ray:`). Output: `out/NAME`."""

    def llm(model: str) -> dict[str, Any]:
        return {
            "type": "openai",
            "model": model,
            "base_url": server.base_url,
            "api_key": "test",
            "concurrency": concurrency,
        }

    spec = {
        "input": {"path": "data.jsonl"},
        "generator": {
            "llm": llm("writer"),
            "task": {"type": "text-generation"},
            "ray": generator_ray,
        },
        "labeller": {
            "llm": llm("judge"),
            "task": {"type": "ultrafeedback"},
            "ray": labeller_ray,
        },
        "run": {"num_generations": 2},
        "checkpoint": {"save_frequency": 2},
        "output": {"path": f"out/{name}"},
    }
    path = workdir / f"{name}.yaml"
    path.write_text(json.dumps(spec, indent=2))
    return path


def distil_command(spec: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "distilabel_cli", "run", spec.name, "--no-progress", *args]


def empty_cache(workdir: Path) -> dict[str, str]:
    """The environment of a run with an empty request cache of its own: every answer comes
    from the server, and only the checkpoint can spare a rerun a request."""
    return {"DISTIL_CACHE_DIR": tempfile.mkdtemp(prefix="cache-", dir=workdir)}


def run_distil(cluster: RayCluster, spec: Path, *args: str) -> subprocess.CompletedProcess:
    """`distil run SPEC ARGS` inside the cluster's namespace, to its end (exit 0)."""
    result = cluster.run(distil_command(spec, *args), cwd=spec.parent, env=empty_cache(spec.parent))
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def load_rows(output: Path) -> list[dict[str, Any]]:
    from datasets import load_from_disk

    return load_from_disk(str(output)).to_list()


def run_record(output: Path) -> dict[str, Any]:
    return json.loads((output / "distil-run.json").read_text())


def requests_per_input(counts: Counter[str]) -> tuple[Counter[str], Counter[str]]:
    """(generator, judge) requests the server answered, per row input."""
    generator: Counter[str] = Counter()
    judge: Counter[str] = Counter()
    for prompt, count in counts.items():
        found = JUDGE_INSTRUCTION.search(prompt)
        if found:
            judge[found.group(1)] += count
        else:
            generator[prompt] += count
    return generator, judge


def wait_for_requests(server: CountingServer, total: int, process: subprocess.Popen) -> None:
    """Return once the server has answered `total` requests (the run is under way)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"distil exited early: {process.communicate()}")
        with server.lock:
            if sum(server.counts.values()) >= total:
                return
        time.sleep(0.01)  # real wait, watching another process make progress (noqa: real-wait)
    raise AssertionError(f"fewer than {total} requests within 120 s")


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    with RayCluster.started() as running:
        yield running


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ray-engine")
    rows = "".join(json.dumps({"input": input_text(i)}) + "\n" for i in range(ROWS))
    (path / "data.jsonl").write_text(rows)
    return path


def counting_server(cluster: RayCluster, delay: float) -> CountingServer:
    """A counting server listening on 127.0.0.1 inside the cluster's namespace."""
    with cluster.inside():  # the listening socket is made (and stays) in the namespace
        return CountingServer(delay=delay)


@pytest.fixture(scope="module")
def server(cluster: RayCluster) -> Iterator[CountingServer]:
    with counting_server(cluster, delay=0.02) as running:
        yield running


@pytest.fixture
def slow_server(cluster: RayCluster) -> Iterator[CountingServer]:
    """A server slow enough (0.25 s a request) to kill something mid-run."""
    with counting_server(cluster, delay=0.25) as running:
        yield running


@pytest.fixture(scope="module")
def local_output(cluster: RayCluster, server: CountingServer, workdir: Path) -> Path:
    """The spec run by the single-process engine (its `ray:` keys ignored)."""
    spec = write_spec(workdir, server, "local", SPREAD, {"replicas": 2}, concurrency=1)
    run_distil(cluster, spec)
    return workdir / "out" / "local"


@pytest.fixture(scope="module")
def ray_output(cluster: RayCluster, workdir: Path) -> Path:
    """The same spec on the cluster (`--ray ADDRESS`), against a server slow enough (a few
    seconds in all) that every replica has started, and so knows its place, before the end."""
    with counting_server(cluster, delay=0.3) as server:
        spec = write_spec(workdir, server, "cluster", SPREAD, {"replicas": 2}, concurrency=1)
        run_distil(cluster, spec, "--ray", cluster.address)
    return workdir / "out" / "cluster"


def test_cluster_writes_the_single_process_dataset(local_output: Path, ray_output: Path) -> None:
    local, clustered = load_rows(local_output), load_rows(ray_output)
    assert [row["input"] for row in local] == [input_text(i) for i in range(ROWS)]
    assert all(row["generations"] and None not in row["generations"] for row in local)
    assert list(clustered[0]) == list(local[0])  # same columns, same order
    assert clustered == local  # same rows, same order, same values
    task_sidecar = "distilabel-task.json"
    assert (ray_output / task_sidecar).read_text() == (local_output / task_sidecar).read_text()


def test_cluster_usage_reaches_the_run_report(local_output: Path, ray_output: Path) -> None:
    """Requests and tokens are counted in the actors and summed on the driver."""
    local, clustered = run_record(local_output)["report"], run_record(ray_output)["report"]
    usage = ("requests", "ok_requests", "failed_requests", "input_tokens", "output_tokens")
    for mine, theirs in zip(clustered["llms"], local["llms"], strict=True):
        assert {k: mine["usage"][k] for k in usage} == {k: theirs["usage"][k] for k in usage}
    assert clustered["llms"][0]["usage"]["requests"] >= ROWS
    assert clustered["counts"] == local["counts"]


def test_each_replica_gets_its_own_gpu_on_both_workers(ray_output: Path) -> None:
    placement = run_record(ray_output)["report"]["placement"]
    generator = placement["generator"]
    assert len(generator) == SPREAD["replicas"]
    assert all(len(replica["gpu_ids"]) == 1 for replica in generator)
    pairs = {(replica["node_id"], replica["gpu_ids"][0]) for replica in generator}
    assert len(pairs) == SPREAD["replicas"]  # no GPU given twice
    per_node = Counter(replica["node_id"] for replica in generator)
    assert sorted(per_node.values()) == [2, 2]  # both workers, two GPUs each
    assert {replica["node_ip"] for replica in generator} == {"127.0.0.1"}
    assert len(placement["labeller"]) == 2
    assert all(replica["gpu_ids"] == [] for replica in placement["labeller"])


def test_killed_driver_rerun_sends_only_unfinished_work(
    cluster: RayCluster, slow_server: CountingServer, workdir: Path, local_output: Path
) -> None:
    spec = write_spec(workdir, slow_server, "resume", {"replicas": 2}, {"replicas": 2})
    driver = cluster.popen(
        distil_command(spec, "--ray", cluster.address),
        cwd=workdir,
        env=empty_cache(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_requests(slow_server, 3 * ROWS // 2, driver)  # 3/4 of the requests answered
    driver.send_signal(signal.SIGKILL)
    driver.communicate(timeout=60)
    assert driver.returncode == -signal.SIGKILL
    assert not (workdir / "out" / "resume").exists()  # no dataset yet

    so_far = workdir / "out" / "resume-so-far"
    recovered = cluster.run(
        [
            sys.executable,
            "-m",
            "distilabel_cli",
            "recover",
            "out/resume.checkpoint",
            "--output",
            str(so_far),
        ],
        cwd=workdir,
    )
    assert recovered.returncode == 0, recovered.stderr
    finished = {row["input"] for row in load_rows(so_far)}
    assert 0 < len(finished) < ROWS

    with slow_server.lock:
        before = Counter(slow_server.counts)
    run_distil(cluster, spec, "--ray", cluster.address)
    with slow_server.lock:
        again = Counter(slow_server.counts)
    again.subtract(before)
    generator, judge = requests_per_input(+again)

    assert load_rows(workdir / "out" / "resume") == load_rows(local_output)
    assert not {text for text in finished if generator[text] or judge[text]}
    unfinished = {input_text(i) for i in range(ROWS)} - finished
    assert judge == Counter(unfinished)  # each unfinished row judged once, no other
    assert set(generator) <= unfinished and all(n == 1 for n in generator.values())


def test_killed_worker_node_loses_and_duplicates_no_row(
    cluster: RayCluster, slow_server: CountingServer, workdir: Path, local_output: Path
) -> None:
    """One generator replica pinned to each worker (custom resources); the labeller's
    replicas go where Ray puts them. Worker b dies mid-run; its actors' requests are sent
    again to live replicas and the run finishes as if nothing happened."""
    pinned = {
        "replicas": 2,
        "replica_options": [{"resources": {"node_a": 1}}, {"resources": {"node_b": 1}}],
    }
    spec = write_spec(workdir, slow_server, "node-kill", pinned, {"replicas": 2, "num_gpus": 1})
    driver = cluster.popen(
        distil_command(spec, "--ray", cluster.address),
        cwd=workdir,
        env=empty_cache(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_requests(slow_server, 6, driver)
        cluster.kill_node("b")
        assert driver.poll() is None  # killed mid-run
        with slow_server.lock:
            at_kill = sum(slow_server.counts.values())
        stdout, stderr = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
        if not cluster.is_up("b"):
            cluster.start_node("b")  # the next test (and a rerun) gets three nodes again
    assert driver.returncode == 0, f"{stdout}\n{stderr}"
    assert sum(slow_server.counts.values()) > at_kill  # work went on after the kill

    output = workdir / "out" / "node-kill"
    assert load_rows(output) == load_rows(local_output)  # every row once, in order
    report = run_record(output)["report"]
    assert report["failed_requests"] == 0
    assert report["counts"] == run_record(local_output)["report"]["counts"]
    generator = report["placement"]["generator"]
    assert len({replica["node_id"] for replica in generator}) == 2  # one on each worker
    assert [replica["restarts"] > 0 for replica in generator] == [False, True]  # b's was lost
