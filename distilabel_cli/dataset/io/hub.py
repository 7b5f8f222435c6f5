"""Datasets on the Hugging Face Hub: push with task sidecar and card, load with task restored."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.custom_dataset import RUN_SIDECAR, TASK_SIDECAR
from distilabel_cli.dataset.io.card import dataset_card, rerunnable_spec
from distilabel_cli.errors import DistilError, HubPushError
from distilabel_cli.tasks import task_from_sidecar

#: The run's spec in a pushed dataset's repo.
SPEC_FILE = "spec.yaml"

if TYPE_CHECKING:
    from distilabel_cli.dataset.custom_dataset import CustomDataset  # noqa: F401


def hub_token(token: str | None = None) -> str | None:
    """The Hub token: an explicit one, else `HF_TOKEN`, else `HF_API_TOKEN`, else the login
    saved by `hf auth login` (`huggingface_hub.get_token`); None when there is none. A token
    found is registered as a secret, so that it is masked wherever distil writes."""
    from huggingface_hub import get_token

    from distilabel_cli.redact import register_secret

    found = token or os.environ.get("HF_TOKEN") or os.environ.get("HF_API_TOKEN") or get_token()
    if found:
        register_secret(found)
    return found or None


def require_hub_token(token: str | None, purpose: str) -> str:
    """`hub_token`, or one clear error saying how to log in."""
    found = hub_token(token)
    if not found:
        raise DistilError(
            f"{purpose} needs a Hugging Face token: run `hf auth login` (or set HF_TOKEN)"
        )
    return found


def push_dataset(
    dataset: CustomDataset,
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    split: str = "train",
    tags: Sequence[str] = (),
    rows: int | None = None,
) -> str:
    """Upload data, `distilabel-task.json`, `distil-run.json` and a dataset card; return the URL.

    `tags` are added to the card's; `rows` is the size the card states (all the splits pushed
    together; default this dataset's)."""
    from datasets import Dataset
    from huggingface_hub import CommitOperationAdd, DatasetCard, HfApi

    token = require_hub_token(token, f"pushing to the Hub repo {repo_id!r}")
    try:
        Dataset.push_to_hub(dataset, repo_id, private=private, token=token, split=split)
        existing = DatasetCard.load(repo_id, repo_type="dataset", token=token).data.to_dict()
        card = dataset_card(dataset, repo_id, existing, tags=tags, rows=rows)  # keeps configs
        operations = [CommitOperationAdd("README.md", card.encode())]
        if dataset.task is not None:
            sidecar = json.dumps(dataset.task.to_sidecar(), indent=2).encode()
            operations.append(CommitOperationAdd(TASK_SIDECAR, sidecar))
        if dataset.run_info:
            operations.append(
                CommitOperationAdd(RUN_SIDECAR, json.dumps(dataset.run_info, indent=2).encode())
            )
        spec = (dataset.run_info or {}).get("spec")
        if spec:  # rerun with `distil run hf://datasets/REPO/spec.yaml`
            operations.append(CommitOperationAdd(SPEC_FILE, rerunnable_spec(spec).encode()))
        api = HfApi(token=token)
        api.create_commit(
            repo_id,
            operations,
            repo_type="dataset",
            commit_message="distil: task, run record, card",
        )
        return f"{api.endpoint}/datasets/{repo_id}"
    except _push_errors() as exc:
        raise HubPushError(f"pushing to the Hub repo {repo_id!r} failed: {_reason(exc)}") from None


def load_dataset(
    repo_id: str, split: str = "train", token: str | None = None, **kwargs: Any
) -> CustomDataset:
    """`datasets.load_dataset` for a Hub id or local path, with the distil task restored."""
    import datasets

    from distilabel_cli.dataset.custom_dataset import CustomDataset, read_task

    local = Path(repo_id)
    if local.is_dir() and (local / "state.json").is_file():
        return CustomDataset.load_from_disk(local)
    loaded = datasets.load_dataset(repo_id, split=split, token=hub_token(token), **kwargs)
    if not isinstance(loaded, datasets.Dataset):
        raise DistilError(
            f"{repo_id}: expected one split, got {type(loaded).__name__}; pass split="
        )
    task = read_task(local) if local.is_dir() else _hub_task(repo_id, token)
    return CustomDataset.from_dataset(loaded, task)


def _hub_task(repo_id: str, token: str | None) -> Any:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError

    try:
        path = hf_hub_download(repo_id, TASK_SIDECAR, repo_type="dataset", token=hub_token(token))
    except (EntryNotFoundError, HfHubHTTPError):
        return None  # a dataset made elsewhere: no task, no error
    return task_from_sidecar(json.loads(Path(path).read_text(encoding="utf-8")))


def _push_errors() -> tuple[type[Exception], ...]:
    """What a failed upload raises: the Hub's HTTP errors, the transport errors of the HTTP
    library behind them (e.g. ConnectError, not an HfHubHTTPError) and OSError."""
    from huggingface_hub import errors

    base = getattr(errors, "HTTPError", None)  # the HTTP library's base class
    kinds = (errors.HfHubHTTPError, base, OSError)
    return tuple(k for k in kinds if isinstance(k, type) and issubclass(k, Exception))


def _reason(exc: Exception) -> str:
    """The server's own words with the status, or why the Hub could not be reached."""
    from huggingface_hub import constants

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    text = getattr(exc, "server_message", None) or str(exc) or type(exc).__name__
    text = text.strip().splitlines()[0]
    if status is None:
        if type(exc).__module__.split(".")[0].startswith(("httpx", "requests", "urllib3")):
            return f"cannot reach the Hub at {constants.ENDPOINT}: {text}"
        return text
    hint = " (check HF_TOKEN)" if status in (401, 403) else ""
    return f"the Hub answered {status}: {text}{hint}"
