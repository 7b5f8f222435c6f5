"""`run.engine: ray` in the spec: keys, defaults, validation, `--ray`, the schema; the local
engine never imports ray; and one quick run on a one-node Ray inside a loopback-only network
namespace (the real multi-node tests are tests/test_ray_engine.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from cli_helpers import distil
from conftest import REPO, free_port
from counting_server import CountingServer

from distilabel_cli.errors import MissingExtraError, SpecError
from distilabel_cli.pipeline.build import build_pipeline
from distilabel_cli.redact import redact
from distilabel_cli.spec.loader import load_spec
from distilabel_cli.spec.models import PipelineSpec

SPEC = """\
input: {path: data.jsonl}
generator:
  llm: {type: openai, model: writer, base_url: "http://127.0.0.1:1/v1", concurrency: 2}
  task: {type: text-generation}
labeller:
  llm: {type: openai, model: judge, base_url: "http://127.0.0.1:1/v1"}
  task: {type: ultrafeedback}
run: {num_generations: 2}
output: {path: out}
"""

RAY_STAGE = """\
  ray:
    replicas: 2
    num_gpus: 0.5
    resources: {node_a: 1}
    replica_options:
      - {base_url: "http://127.0.0.1:2/v1", concurrency: 4}
      - {resources: {node_b: 1}, requests_per_minute: 30}
"""


def with_generator_ray(text: str, ray: str = RAY_STAGE) -> str:
    return text.replace(
        "  task: {type: text-generation}\n", "  task: {type: text-generation}\n" + ray
    )


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "data.jsonl").write_text('{"input": "hello"}\n')
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str) -> PipelineSpec:
    return load_spec(write(tmp_path, text))[0]


def test_defaults_are_the_local_engine(tmp_path: Path) -> None:
    spec = load(tmp_path, SPEC)
    assert spec.run.engine == "local"
    assert spec.run.ray is None
    assert spec.generator is not None and spec.generator.ray is None


def test_stage_ray_defaults_and_values(tmp_path: Path) -> None:
    spec = load(
        tmp_path, with_generator_ray(SPEC, "  ray: {}\n").replace("num_gen", "engine: ray, num_gen")
    )
    assert spec.run.engine == "ray"
    assert spec.run.ray is None  # RAY_ADDRESS, else auto
    stage = spec.generator.ray
    assert (stage.replicas, stage.num_gpus, stage.num_cpus) == (1, 0, None)
    assert (stage.resources, stage.replica_options) == ({}, [])
    spec = load(tmp_path, with_generator_ray(SPEC))
    stage = spec.generator.ray
    assert (stage.replicas, stage.num_gpus, stage.resources) == (2, 0.5, {"node_a": 1})
    assert stage.replica_options[1] == {"resources": {"node_b": 1}, "requests_per_minute": 30}


def test_ray_keys_are_ignored_by_the_local_engine_even_with_gpus(tmp_path: Path) -> None:
    text = with_generator_ray(SPEC).replace("concurrency: 2}", "concurrency: 2, gpus: [0]}")
    spec = load(tmp_path, text)
    assert spec.run.engine == "local" and spec.generator.llm.gpus == [0]


BAD = [
    (
        "zero-replicas",
        with_generator_ray(SPEC, "  ray: {replicas: 0}\n"),
        ["spec.yaml:5 generator.ray.replicas: Input should be greater than or equal to 1"],
    ),
    (
        "negative-gpus",
        with_generator_ray(SPEC, "  ray: {num_gpus: -1, resources: {a: -2}}\n"),
        [
            "spec.yaml:5 generator.ray.num_gpus: Input should be greater than or equal to 0",
            "spec.yaml:5 generator.ray.resources.a: Input should be greater than or equal to 0",
        ],
    ),
    (
        "unknown-engine",
        SPEC.replace("run: {num_generations: 2}", "run: {engine: spark}"),
        ["spec.yaml:8 run.engine: Input should be 'local' or 'ray'"],
    ),
    (
        "unknown-run-ray-key",
        SPEC.replace("run: {num_generations: 2}", "run: {ray: {adress: auto}}"),
        ["spec.yaml:8 run.ray.adress: unknown key"],
    ),
    (
        "one-option-mapping-per-replica",
        with_generator_ray(SPEC, "  ray: {replicas: 3, replica_options: [{}, {}]}\n"),
        [
            "spec.yaml:5 generator.ray.replica_options: give one mapping per replica: "
            "2 given, replicas is 3"
        ],
    ),
    (
        "replica-options-check-their-llm",
        with_generator_ray(
            SPEC,
            "  ray:\n    replicas: 2\n    replica_options:\n"
            "      - {temperature: 0.1, model: other}\n"
            "      - {concurrency: 0, colour: red, resources: {x: -1}}\n",
        ),
        [
            "spec.yaml:8 generator.ray.replica_options[0].model: the same for every replica "
            "(they serve one model with the same outputs); use pool: for different models",
            "spec.yaml:8 generator.ray.replica_options[0].temperature: the same for every "
            "replica (they serve one model with the same outputs); use pool: for different "
            "models",
            "spec.yaml:9 generator.ray.replica_options[1].resources: expected a mapping "
            "name: amount >= 0",
            "spec.yaml:9 generator.ray.replica_options[1].concurrency: Input should be "
            "greater than 0",
            "spec.yaml:9 generator.ray.replica_options[1].colour: unknown key",
        ],
    ),
    (
        "gpus-with-engine-ray",
        SPEC.replace("concurrency: 2}", "concurrency: 2, gpus: [0]}").replace(
            "num_generations: 2", "engine: ray"
        ),
        [
            "spec.yaml:3 generator.llm.gpus: gpus pins a local process to GPUs; with "
            "run.engine: ray give generator.ray.num_gpus (GPUs per replica, placed by Ray)"
        ],
    ),
    (
        "pool-gpus-with-engine-ray",
        SPEC.replace(
            '  llm: {type: openai, model: judge, base_url: "http://127.0.0.1:1/v1"}\n',
            '  pool:\n    - {llm: {type: openai, model: judge, base_url: "http://x/v1"}, '
            "gpus: [1]}\n",
        ).replace("num_generations: 2", "engine: ray"),
        [
            "spec.yaml:7 labeller.pool[0].gpus: gpus pins a local process to GPUs; with "
            "run.engine: ray give labeller.ray.num_gpus (GPUs per replica, placed by Ray)"
        ],
    ),
    (
        "replica-options-need-llm",
        SPEC.replace(
            '  llm: {type: openai, model: judge, base_url: "http://127.0.0.1:1/v1"}\n',
            '  pool:\n    - {llm: {type: openai, model: judge, base_url: "http://x/v1"}}\n'
            "  ray: {replica_options: [{}]}\n",
        ),
        ["spec.yaml:8 labeller.ray.replica_options: replica_options needs llm:, not pool:"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_ray_keys_name_file_line_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec("spec.yaml")
    assert info.value.details == expected


def test_replica_secrets_are_masked(tmp_path: Path) -> None:
    text = with_generator_ray(
        SPEC.replace("num_generations: 2", "engine: ray"),
        "  ray: {replicas: 1, replica_options: [{api_key: sk-replica-secret}]}\n",
    )
    build_pipeline(load(tmp_path, text), tmp_path)
    masked = redact("the key was sk-replica-secret")
    assert masked.startswith("the key was ") and "sk-replica-secret" not in masked


def test_engine_ray_without_ray_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets without the extra
    spec = load(tmp_path, SPEC.replace("num_generations: 2", "engine: ray"))
    with pytest.raises(MissingExtraError, match=r"pip install 'distilabel-cli\[ray\]'"):
        build_pipeline(spec, tmp_path)


def test_schema_describes_the_ray_keys(tmp_path: Path) -> None:
    result = distil("schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    run = schema["$defs"]["RunSpec"]["properties"]
    assert run["engine"]["enum"] == ["local", "ray"] and run["engine"]["default"] == "local"
    stage = schema["$defs"]["RayStageSpec"]["properties"]
    assert {"replicas", "num_gpus", "num_cpus", "resources", "replica_options"} <= set(stage)
    spec = yaml.safe_load(with_generator_ray(SPEC).replace("num_gen", "engine: ray, num_gen"))
    spec["run"]["ray"] = {"address": "127.0.0.1:6379", "namespace": "curation"}
    jsonschema.validate(spec, schema)
    spec["generator"]["ray"]["replicas"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, schema)


def test_ray_option_sets_the_engine_and_address(tmp_path: Path) -> None:
    text = SPEC.replace("concurrency: 2}", "concurrency: 2, gpus: [0]}")
    write(tmp_path, text)
    result = distil("run", "spec.yaml", "--ray", "127.0.0.1:6379", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert "spec.yaml:3 generator.llm.gpus: gpus pins a local process" in result.stderr
    write(tmp_path, SPEC)
    port = free_port()  # nothing listens there: one clear error, no Ray call
    result = distil("run", "spec.yaml", "--ray", f"127.0.0.1:{port}", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"error: cannot connect to the Ray cluster at 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


LOCAL_RUN = """
import json, sys
from distilabel_cli.pipeline.run import run_spec
from distilabel_cli.spec.loader import load_spec
spec, source = load_spec(sys.argv[1])
outcome = run_spec(spec, source, progress=False)
print(json.dumps({"rows": outcome.report.rows_done, "ray": "ray" in sys.modules}))
"""


def test_local_engine_never_imports_ray(tmp_path: Path) -> None:
    with CountingServer() as server:
        text = with_generator_ray(SPEC).replace("http://127.0.0.1:1/v1", server.base_url)
        text = text.replace(
            "run: {num_generations: 2}", "run: {num_generations: 2, ray: {address: local}}"
        )
        write(tmp_path, text)
        result = subprocess.run(
            [sys.executable, "-c", LOCAL_RUN, "spec.yaml"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"rows": 1, "ray": False}


def loopback_namespace_skip_reason() -> str | None:
    """Why a command cannot run in a fresh loopback-only network namespace here."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(
        ["unshare", "-n", "true"], capture_output=True, text=True, timeout=30, check=False
    )
    return None if probe.returncode == 0 else "needs root for unshare -n"


#: Runs `python SCRIPT` in a new network namespace that has only loopback; everything left
#: in the namespace (Ray's processes) is killed at the end.
IN_NAMESPACE = r"""
ip link set lo up
cleanup() {
  me=$(readlink /proc/$$/ns/net)
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = "$$" ] && continue
    [ "$(readlink $p/ns/net 2>/dev/null)" = "$me" ] && kill -9 "$pid" 2>/dev/null
  done
}
trap cleanup EXIT
timeout -k 5 180 python "$@"  # before the caller's timeout: the trap still cleans up
"""

RAY_RUN = """
import json, sys
sys.path.insert(0, sys.argv[1])
from counting_server import CountingServer
from datasets import load_from_disk
from distilabel_cli.pipeline.run import run_spec
from distilabel_cli.spec.loader import load_spec

spec_text = open("spec.yaml").read()
results = {}
with CountingServer() as server:
    open("spec.yaml", "w").write(spec_text.replace("http://127.0.0.1:1/v1", server.base_url))
    for engine in ("local", "ray"):
        overrides = [f"run.engine={engine}", f"output.path=out-{engine}", "run.cache=false"]
        spec, source = load_spec("spec.yaml", overrides)
        outcome = run_spec(spec, source, progress=False)
        report = outcome.report
        results[engine] = {
            "rows": load_from_disk(f"out-{engine}").to_list(),
            "usage": [[r.model, r.usage.requests, r.usage.output_tokens] for r in report.llms],
            "ray": "ray" in sys.modules,
        }
    results["server"] = sum(server.counts.values())
print("RESULT " + json.dumps(results))
"""


def test_a_spec_runs_the_same_on_a_one_node_ray(tmp_path: Path) -> None:
    reason = loopback_namespace_skip_reason()
    if reason:
        pytest.skip(reason)
    rows = "".join(json.dumps({"input": f"question {i}"}) + "\n" for i in range(12))
    text = with_generator_ray(SPEC, "  ray: {replicas: 2, num_cpus: 0.25}\n")
    text = text.replace(
        "task: {type: ultrafeedback}\n", "task: {type: ultrafeedback}\n  ray: {num_cpus: 0.25}\n"
    )
    text = text.replace("num_generations: 2}", "num_generations: 2, ray: {address: local}}")
    write(tmp_path, text)
    (tmp_path / "data.jsonl").write_text(rows)
    (tmp_path / "run.py").write_text(RAY_RUN)
    ray_dir = Path("/tmp") / f"distil-ray-{os.getpid()}"  # short: Ray's socket paths
    env = {**os.environ, "RAY_ADDRESS": "", "RAY_TMPDIR": str(ray_dir), "PYTHONUNBUFFERED": "1"}
    try:
        result = subprocess.run(
            ["unshare", "-n", "bash", "-c", IN_NAMESPACE, "bash", "run.py", str(REPO / "tests")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
            env=env,
        )
    finally:
        shutil.rmtree(ray_dir, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.rpartition("RESULT ")[2])
    local, on_ray = found["local"], found["ray"]
    assert not local["ray"] and on_ray["ray"]
    assert len(on_ray["rows"]) == 12 and on_ray["rows"] == local["rows"]
    assert on_ray["usage"] == local["usage"] == [["writer", 12, 60], ["judge", 12, 60]]
    assert found["server"] == 2 * 24  # every request once per engine: none lost, none twice
