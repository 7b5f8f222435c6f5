"""Pull a reviewed dataset back: human ratings replace the AI ones where submitted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from datasets import Dataset, Features, List, Value

from distilabel_cli import __version__
from distilabel_cli.dataset.argilla import reviews as rv
from distilabel_cli.dataset.argilla.critique import critique_rows
from distilabel_cli.dataset.argilla.families import TaskFamily
from distilabel_cli.dataset.argilla.instructions import instruction_rows
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
    if family.kind == "instructions":
        rows, features = instruction_rows(usable, features)
    elif family.kind == "critique":
        rows, features = critique_rows(usable, features)
    else:
        rows, features = _generation_rows(usable, family, features)
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


def _generation_rows(
    records: list[tuple[str, dict[str, Any], rv.Reviews]], family: TaskFamily, features: Features
) -> tuple[list[dict[str, Any]], Features]:
    has_rationale = "rationale" in features
    out = []
    for _, metadata, reviews in records:
        row = json.loads(metadata[ROW_KEY])
        answers = rv.submitted(reviews)
        n = len(row.get("generations") or [])
        human = [rv.mean([a.get(f"rating-{i}") for a in answers]) for i in range(1, n + 1)]
        if family.rationale == "single":
            reasons: Any = rv.joined([a.get("rationale") for a in answers])
        else:
            reasons = [
                rv.joined([a.get(f"rationale-{i}") for a in answers]) for i in range(1, n + 1)
            ]
        if family.labelled:
            row["ai_rating"] = row.get("rating")
            if has_rationale:
                row["ai_rationale"] = row.get("rationale")
            if answers:
                ai = list(row.get("rating") or []) + [None] * n
                row["rating"] = [h if h is not None else ai[i] for i, h in enumerate(human)]
                if has_rationale:
                    row["rationale"] = reasons
        else:
            row["rating"] = human if answers else None
            row["rationale"] = reasons if answers else None
        row["reviewed"] = bool(answers)
        row["discarded"] = rv.discarded(reviews)
        out.append(row)
    added: dict[str, Any] = {}
    if family.labelled:
        added["ai_rating"] = features["rating"]
        if has_rationale:
            added["ai_rationale"] = features["rationale"]
    else:
        added["rating"] = List(Value("float64"))
        added["rationale"] = List(Value("string"))
    added.update(reviewed=Value("bool"), discarded=Value("bool"))
    return out, Features({**features, **added})
