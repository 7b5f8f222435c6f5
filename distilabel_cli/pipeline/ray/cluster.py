"""Connect this process to a Ray cluster once, shared by every stage that runs on it.

`connect` joins the cluster of `run.ray` (or keeps a connection the caller made with
`ray.init`); `release` disconnects when the last user is done, only if `connect` made the
connection. Ray is imported here, never by the local engine.
"""

from __future__ import annotations

import os
import socket
import threading
from types import ModuleType
from typing import TYPE_CHECKING

from distilabel_cli.errors import DistilError, MissingExtraError

if TYPE_CHECKING:
    from distilabel_cli.spec.ray_engine import RayRunSpec

EXTRA_HINT = "pip install 'distilabel-cli[ray]'"
CONNECT_HINT = (
    "start one (`ray start --head`, docs/scale.md), or give its address: run.ray.address, "
    "--ray ADDRESS or RAY_ADDRESS; --ray local starts a one-node Ray for this run"
)
#: Seconds to wait for the head's port to answer before ray.init.
CONNECT_TIMEOUT = 10.0

_lock = threading.Lock()
_users = 0
_owned = False


def import_ray() -> ModuleType:
    """The `ray` module, or MissingExtraError naming the extra that installs it."""
    try:
        import ray
    except ImportError:
        raise MissingExtraError(f"run.engine: ray needs Ray: {EXTRA_HINT}") from None
    return ray


def connect(settings: RayRunSpec | None = None) -> ModuleType:
    """Join the cluster at `settings.address` (None: RAY_ADDRESS, else `auto`); returns the
    `ray` module. One DistilError naming the address when the cluster cannot be reached."""
    global _users, _owned
    ray = import_ray()
    with _lock:
        if not ray.is_initialized():
            address = (settings.address if settings else None) or os.environ.get("RAY_ADDRESS")
            address = address or "auto"
            namespace = settings.namespace if settings else None
            try:
                _check_reachable(address)
                ray.init(
                    address=address,
                    namespace=namespace,
                    include_dashboard=False if address == "local" else None,
                    logging_level="warning",
                )
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; one message
                raise DistilError(
                    f"cannot connect to the Ray cluster at {address}: {_first_line(exc)}",
                    details=[CONNECT_HINT],
                ) from None
            _owned = True
        _users += 1
    return ray


def _check_reachable(address: str) -> None:
    """Fail fast for a host:port nothing listens on (ray.init would retry for minutes)."""
    if address == "auto":  # the cluster `ray start` made on this machine, if it recorded one
        address = _recorded_address() or address
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # auto, local, ray://...: Ray resolves and reports them itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {address} ({exc})") from None


def _recorded_address() -> str | None:
    """The host:port `auto` stands for (Ray's own lookup; None when unknown)."""
    try:
        from ray._private.services import canonicalize_bootstrap_address
    except ImportError:  # Ray moved it: let ray.init resolve `auto`
        return None
    try:
        return canonicalize_bootstrap_address("auto")
    except Exception:  # noqa: BLE001 - ray.init reports it
        return None


def release() -> None:
    """One user is done; the last one disconnects (if `connect` connected)."""
    global _users, _owned
    ray = import_ray()
    with _lock:
        _users = max(0, _users - 1)
        if _users == 0 and _owned:
            _owned = False
            ray.shutdown()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
