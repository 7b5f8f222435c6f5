"""Fixtures that point the real `huggingface_hub` / `datasets` clients at a local Hub.

The Hugging Face Hub cannot be reached from the test machines, so `hub_server.HubServer` is a
local stand-in that speaks the Hub's real HTTP protocol, and these helpers aim the unmodified
client libraries at it:

* `hub_server` (fixture): a started `HubServer` on 127.0.0.1 (random port, temp storage).
* `hub_env(server, home)`: the environment for a *subprocess* (e.g. `distil ...`): both
  libraries read `HF_ENDPOINT`, offline mode, Xet and cache locations at import time, so a
  fresh interpreter started with these variables needs nothing else.
* `patch_hub_endpoint(monkeypatch, server_or_url, home)`: the same for *this* process, where both
  libraries are already imported (conftest sets `HF_HUB_OFFLINE=1` before importing them):
  it patches the module-level constants they copied from the environment, plus the env
  itself; `monkeypatch` restores everything after the test.
* `hub` (fixture): `hub_server` + `patch_hub_endpoint`, for in-process tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import HubServer


def hub_env(server: HubServer | str, home: Path, token: str | None = None) -> dict[str, str]:
    """Environment variables (to merge over `os.environ`) that aim a subprocess at `server`.

    `server` is a `HubServer` (its token is used unless `token` is given) or a bare URL.

    Note: `datasets` still tries the dataset viewer at `datasets-server.<endpoint host>` once
    per `load_dataset` (its `USE_PARQUET_EXPORT` has no env switch); for `127.0.0.1` that name
    cannot resolve, so it fails locally and `datasets` falls back to reading the repo files.
    """
    if isinstance(server, HubServer):
        server, token = server.url, token or server.token
    env = {
        "HF_ENDPOINT": server,
        "HF_HUB_OFFLINE": "0",
        "HF_DATASETS_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
        "HF_HUB_DISABLE_XET": "1",  # else uploads/downloads go through the Xet CAS service
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_ASSETS_CACHE": str(home / "assets"),
        "HF_DATASETS_CACHE": str(home / "datasets"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_UPDATE_DOWNLOAD_COUNTS": "0",  # `load_dataset` would HEAD an S3 URL
        "HF_HUB_DISABLE_TELEMETRY": "1",  # else the user agent fetches /api/agent-harnesses
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if token:
        env["HF_TOKEN"] = token
    return env


def patch_hub_endpoint(
    monkeypatch: pytest.MonkeyPatch, server: HubServer | str, home: Path, token: str | None = None
) -> None:
    """Point the already-imported `huggingface_hub` and `datasets` at a local Hub at `server`.

    Patches the env (for subprocesses and call-time reads such as `HF_TOKEN`) and every
    module-level constant the two libraries derive from it at import time. Restored by
    `monkeypatch` at teardown.
    """
    import datasets.config as ds_config
    import huggingface_hub.constants as hf_constants
    from huggingface_hub import hf_api
    from huggingface_hub.utils import _cache_assets, _cache_manager

    env = hub_env(server, home, token)
    url = env["HF_ENDPOINT"]
    if "HF_TOKEN" not in env:
        monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGINGFACE_CO_STAGING", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    constants: dict[str, object] = {
        "ENDPOINT": url,
        "HUGGINGFACE_CO_URL_TEMPLATE": url + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_URL_HOSTS": hf_constants.HF_URL_HOSTS | {"127.0.0.1"},
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_XET": True,
        "HF_HUB_DISABLE_TELEMETRY": True,
        "HF_HUB_DISABLE_UPDATE_CHECK": True,
        "HF_HOME": env["HF_HOME"],
        "HF_HUB_CACHE": env["HF_HUB_CACHE"],
        "HF_XET_CACHE": env["HF_XET_CACHE"],
        "HF_ASSETS_CACHE": env["HF_ASSETS_CACHE"],
        "HF_TOKEN_PATH": env["HF_TOKEN_PATH"],
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
    }
    for name, value in constants.items():
        monkeypatch.setattr(hf_constants, name, value)
    monkeypatch.setattr(hf_api.api, "endpoint", url)  # behind `huggingface_hub.upload_file` & co
    monkeypatch.setattr(_cache_manager, "HF_HUB_CACHE", env["HF_HUB_CACHE"])
    monkeypatch.setattr(_cache_assets, "HF_ASSETS_CACHE", env["HF_ASSETS_CACHE"])

    datasets_cache = Path(env["HF_DATASETS_CACHE"])
    config: dict[str, object] = {
        "HF_ENDPOINT": url,
        "HUB_DATASETS_URL": url + "/datasets/{repo_id}/resolve/{revision}/{path}",
        "HF_HUB_OFFLINE": False,
        "HF_DATASETS_OFFLINE": False,
        "HF_UPDATE_DOWNLOAD_COUNTS": False,
        "USE_PARQUET_EXPORT": False,  # the dataset viewer lives on another host
        "HF_CACHE_HOME": env["HF_HOME"],
        "HF_DATASETS_CACHE": datasets_cache,
        "DOWNLOADED_DATASETS_PATH": datasets_cache / ds_config.DOWNLOADED_DATASETS_DIR,
        "EXTRACTED_DATASETS_PATH": (
            datasets_cache / ds_config.DOWNLOADED_DATASETS_DIR / ds_config.EXTRACTED_DATASETS_DIR
        ),
    }
    for name, value in config.items():
        monkeypatch.setattr(ds_config, name, value)


@pytest.fixture
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """A running local Hub (fresh state per test). Use `hub_env` to aim subprocesses at it."""
    with HubServer(tmp_path_factory.mktemp("hub-storage")) as server:
        yield server
    if server.unknown_routes:  # a client call the stand-in does not speak yet: make it loud
        pytest.fail(f"the local Hub got requests it does not implement: {server.unknown_routes}")


@pytest.fixture
def hub(
    hub_server: HubServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> HubServer:
    """`hub_server` with this process's `huggingface_hub` / `datasets` pointed at it."""
    patch_hub_endpoint(monkeypatch, hub_server, tmp_path_factory.mktemp("hf-home"))
    return hub_server


__all__ = ["hub", "hub_env", "hub_server", "patch_hub_endpoint"]
