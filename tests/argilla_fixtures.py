"""`argilla_server` fixture: the REAL argilla-server 2.8.0 (SQLite) on 127.0.0.1; datasets to
review (`ultrafeedback`, `generations`) and helpers that drive the server with the SDK.

Its search engine and Redis are noida-db 0.2.3, an Elasticsearch 8 / Redis emulator from PyPI
(neither Elasticsearch nor OpenSearch installs here). The server lives in its own virtualenv,
made once by tests/argilla_server/setup.sh (about 2 minutes), because it pins libraries that
conflict with this project's. Every test session starts both processes on fresh data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argilla as rg
import pytest
from argilla._models import UserResponseModel
from datasets import Dataset

from distilabel_cli import CustomDataset, UltraFeedbackTask
from distilabel_cli.tasks import TextGenerationTask

HERE = Path(__file__).resolve().parent / "argilla_server"
OWNER_KEY = "distil.owner.apikey"
REVIEWER_KEY = "distil.reviewer.apikey"
WORKSPACE = "argilla"
SETUP_TIMEOUT_S = float(os.environ.get("DISTIL_ARGILLA_SETUP_TIMEOUT", "540"))
START_TIMEOUT_S = 120.0


@dataclass
class ArgillaServer:
    """A running argilla-server: its URL, an owner's and an annotator's API key."""

    api_url: str
    owner_key: str
    reviewer_key: str
    workspace: str


def server_venv() -> Path:
    """Where setup.sh keeps the server's virtualenv."""
    default = Path.home() / ".cache" / "distil" / "argilla-venv"
    return Path(os.environ.get("DISTIL_ARGILLA_VENV", default))


@contextmanager
def _terminal(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let progress lines through pytest's output capture."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        yield
        return
    with capture.global_and_fixture_disabled():
        yield


def ensure_venv(request: pytest.FixtureRequest) -> Path:
    """Run setup.sh (a no-op once the venv exists), bounded in time."""
    venv = server_venv()
    with _terminal(request):
        print(f"\n[argilla] server venv: {venv} (tests/argilla_server/setup.sh)", flush=True)
        try:
            subprocess.run(
                ["bash", str(HERE / "setup.sh"), str(venv)],
                check=True,
                timeout=SETUP_TIMEOUT_S,
                env={**os.environ, "PYTHON": sys.executable},
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"argilla server venv not ready after {SETUP_TIMEOUT_S:.0f} s")
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"tests/argilla_server/setup.sh failed with code {exc.returncode}")
    return venv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, process: subprocess.Popen, headers: dict[str, str], log: Path) -> None:
    """Poll `url` until it answers 200; fail early if the process dies."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{url}: process exited with {process.returncode}\n{tail}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)  # real wait, polling a starting server (noqa: real-wait)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT_S:.0f} s; see {log}")


def _spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start `command` with its output in `log`."""
    with log.open("w") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session", name="argilla_server")
def argilla_server_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ArgillaServer]:
    """noida-db (Elasticsearch + Redis) and argilla-server on free 127.0.0.1 ports."""
    venv = ensure_venv(request)
    python = venv / "bin" / "python"
    where = "import noida_db; print(noida_db.__file__)"
    site = Path(subprocess.check_output([str(python), "-c", where], text=True).strip()).parent
    root = tmp_path_factory.mktemp("argilla")
    es_port, redis_port, http_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "ARGILLA_SEARCH_ENGINE": "elasticsearch",
        "ARGILLA_ELASTICSEARCH": f"http://127.0.0.1:{es_port}",
        "ARGILLA_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ARGILLA_HOME_PATH": str(root / "home"),
        "ARGILLA_DATABASE_URL": f"sqlite+aiosqlite:///{root}/home/argilla.db?check_same_thread=False",
        "ARGILLA_ENABLE_TELEMETRY": "0",
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONUNBUFFERED": "1",
    }
    (root / "home").mkdir()
    started = time.monotonic()
    processes: list[subprocess.Popen] = []
    noida = f"start --host 127.0.0.1 --only elasticsearch,redis --elasticsearch-port {es_port}"
    server = f"-m argilla_server start --host 127.0.0.1 --port {http_port}"
    try:
        processes.append(
            _spawn([f"{site}/noida-db", *noida.split(), "--redis-port", str(redis_port),
                    "--data-dir", str(root / "noida")], root / "noida.log", env)
        )  # fmt: skip
        bootstrap = [str(python), str(HERE / "bootstrap.py"), OWNER_KEY, REVIEWER_KEY, WORKSPACE]
        processes.append(_spawn(bootstrap, root / "bootstrap.log", env))
        done = processes[-1].wait(timeout=START_TIMEOUT_S)  # stopped below if it hangs
        processes.pop()
        if done != 0:
            tail = (root / "bootstrap.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"argilla-server bootstrap failed ({done}):\n{tail}")
        _wait_http(f"http://127.0.0.1:{es_port}/", processes[0], {}, root / "noida.log")
        processes.append(_spawn([str(python), *server.split()], root / "server.log", env))
        api_url = f"http://127.0.0.1:{http_port}"
        headers = {"X-Argilla-Api-Key": OWNER_KEY}
        _wait_http(f"{api_url}/api/v1/me", processes[1], headers, root / "server.log")
        with _terminal(request):
            print(f"[argilla] server up in {time.monotonic() - started:.0f} s", flush=True)
        yield ArgillaServer(api_url, OWNER_KEY, REVIEWER_KEY, WORKSPACE)
    finally:
        for process in reversed(processes):
            _stop(process)


JUDGE = "judge-7b"


def rated_row(prompt: str, answers: list[str], ratings: list[float | None]) -> dict[str, Any]:
    """A row as distil writes it after generation + UltraFeedback labelling."""
    n = len(answers)
    return {
        "input": prompt,
        "generation_model": [f"model-{i}" for i in range(1, n + 1)],
        "generation_prompt": [[{"role": "user", "content": prompt}]] * n,
        "raw_generation_responses": answers,
        "generations": answers,
        "labelling_model": JUDGE,
        "labelling_prompt": [{"role": "user", "content": f"rate: {prompt}"}],
        "raw_labelling_response": "...",
        "rating": ratings,
        "rationale": [f"reason {i}" if r is not None else None for i, r in enumerate(ratings, 1)],
    }


@pytest.fixture(name="ultrafeedback")
def ultrafeedback_fixture() -> CustomDataset:
    """Four rows generated by two models and rated by an UltraFeedback judge."""
    rows = [
        rated_row("What is 2 + 2?", ["It is 4.", "It is 5."], [5.0, 1.0]),
        rated_row("Name a primary colour.", ["Red.", "Green, I think."], [4.0, 3.0]),
        rated_row("Capital of France?", ["Paris.", "Lyon."], [2.0, 4.0]),
        rated_row("Say hi.", ["Hi!", "Hello there."], [3.0, None]),
    ]
    task = UltraFeedbackTask(aspect="helpfulness")
    return CustomDataset.from_dataset(Dataset.from_list(rows), task)


@pytest.fixture(name="generations")
def generations_fixture() -> CustomDataset:
    """Three rows with two generations each and no ratings."""
    rows = [
        {"input": p, "generation_model": ["a", "b"], "generations": g}
        for p, g in [
            ("Write a haiku about rain.", ["Rain taps the roof.", "Wet."]),
            ("Explain gravity briefly.", ["Mass attracts mass.", "Things fall down."]),
            ("Suggest a pet name.", ["Biscuit", "Dog"]),
        ]
    ]
    return CustomDataset.from_dataset(Dataset.from_list(rows), TextGenerationTask())


def distil(*args: str, server: ArgillaServer, cwd: Path) -> subprocess.CompletedProcess:
    """The real `distil` command, with the server's URL and owner key in the environment."""
    env = {**os.environ, "ARGILLA_API_URL": server.api_url, "ARGILLA_API_KEY": server.owner_key}
    return subprocess.run(
        [sys.executable, "-m", "distilabel_cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def owner(server: ArgillaServer) -> rg.Argilla:
    return rg.Argilla(api_url=server.api_url, api_key=server.owner_key)


def remote(server: ArgillaServer, name: str) -> rg.Dataset:
    dataset = owner(server).datasets(name=name, workspace=server.workspace)
    assert dataset is not None
    return dataset


def review(server: ArgillaServer, name: str, answers: dict[str, dict[str, Any]], status: str):
    """The annotator submits (or discards) records, through the endpoint the web UI posts to.

    Annotators may not list records through the SDK, so the owner looks up the server ids.
    """
    ids = {str(r.id): r._server_id for r in remote(server, name).records}
    reviewer = rg.Argilla(api_url=server.api_url, api_key=server.reviewer_key)
    for record_id, values in answers.items():
        response = UserResponseModel(
            values={q: {"value": v} for q, v in values.items()},
            status=status,
            user_id=reviewer.me.id,
        )
        reviewer.api.records.create_record_response(ids[record_id], response)


def cli(*args: str, server: ArgillaServer, cwd: Path) -> Any:
    """`distil` in this process (faster than a subprocess for the error cases)."""
    from typer.testing import CliRunner

    from distilabel_cli.cli.app import app

    env = {"ARGILLA_API_URL": server.api_url, "ARGILLA_API_KEY": server.owner_key}
    with chdir(cwd):
        return CliRunner(env=env).invoke(app, list(args))


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)
