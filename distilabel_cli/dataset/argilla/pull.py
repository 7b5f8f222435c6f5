"""Pull a reviewed dataset back: human ratings replace the AI ones where submitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasets import Dataset, Features

from distilabel_cli._version import __version__
from distilabel_cli.dataset.argilla.family import TaskFamily
from distilabel_cli.dataset.argilla.records import ROW_KEY
from distilabel_cli.dataset.custom_dataset import CustomDataset
from distilabel_cli.errors import DistilError
from distilabel_cli.tasks import task_from_sidecar


@dataclass
class PullSummary:
    """Counts of what came back."""

    records: int
    rows: int
    reviewed: int
    discarded: int
    skipped: int


def pull_from_argilla(
    name: str,
    workspace: str,
    *,
    api_url: str | None = None,
    api_key: str | None = None,
    client: Any = None,
) -> tuple[CustomDataset, PullSummary]:
    """Fetch a dataset pushed by distil with its submitted responses, as a distil dataset.

    Rated datasets keep the judge's values in `ai_rating`/`ai_rationale`; `rating` and
    `rationale` hold the reviewers' (mean rating when several submitted) on reviewed rows.
    Critique datasets likewise keep `ai_score`/`ai_critique` and hold the reviewers' values
    in `score`/`critique`. Generation-only datasets gain `rating`/`rationale` (None where
    unreviewed). `reviewed` says which rows have a submitted response; `discarded` which a
    reviewer discarded.
    """
    from distilabel_cli.dataset.argilla import sdk

    client = client or sdk.connect(api_url, api_key)
    with sdk.argilla_errors(str(client.api_url)):
        dataset = sdk.find_dataset(client, name, workspace)
        if dataset is None:
            raise DistilError(f"no Argilla dataset {name!r} in workspace {workspace!r}")
        info = sdk.read_distil_info(client, dataset)
        if not info:
            raise DistilError(f"Argilla dataset {workspace}/{name} was not pushed by distil")
        records = [sdk.record_parts(model) for model in sdk.raw_records(client, dataset)]
    family = TaskFamily.from_dict(info["family"])
    features = Features.from_dict(info["features"])
    usable = [r for r in records if isinstance(r[1].get(ROW_KEY), str)]
    rows, features = family.read_reviews(usable, features)
    task = task_from_sidecar(info["task"]) if info.get("task") else None
    data = (
        Dataset.from_list(rows, features=features)
        if rows
        else Dataset.from_dict({k: [] for k in features}, features=features)
    )
    summary = PullSummary(
        records=len(records),
        rows=len(rows),
        reviewed=sum(r["reviewed"] for r in rows),
        discarded=sum(r.get("discarded", False) for r in rows),
        skipped=len(records) - len(usable),
    )
    run_info = {
        "distil_version": __version__,
        "argilla": {"url": str(client.api_url), "workspace": workspace, "name": name},
        "pull": summary.__dict__,
    }
    return CustomDataset.from_dataset(data, task, run_info), summary
