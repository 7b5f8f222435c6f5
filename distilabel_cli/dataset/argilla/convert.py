"""`to_argilla`: a distil dataset as an Argilla dataset, and pushing it (create or append)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from datasets import Dataset

from distilabel_cli._version import __version__
from distilabel_cli.columns import LABELLING_MODEL
from distilabel_cli.dataset.argilla import layout as lay
from distilabel_cli.dataset.argilla.families import detect_family
from distilabel_cli.dataset.argilla.family import TaskFamily
from distilabel_cli.dataset.argilla.metrics import TextStatistics
from distilabel_cli.dataset.argilla.records import NO_TEXT, RecordData
from distilabel_cli.dataset.argilla.vectors import resolve_vector_strategy
from distilabel_cli.errors import DistilError
from distilabel_cli.notice import notice

log = logging.getLogger("distilabel_cli.argilla")
#: Records per request when logging (the server accepts up to 500).
LOG_BATCH = 256


@dataclass
class PushResult:
    """Where the records went."""

    url: str
    name: str
    workspace: str
    records: int
    created: bool


@dataclass
class ArgillaDataset:
    """A dataset converted for Argilla review; `push_to_argilla` sends it."""

    family: TaskFamily
    layout: lay.Layout
    records: list[RecordData]
    info: dict[str, Any] = field(default_factory=dict)

    def push_to_argilla(
        self,
        name: str,
        workspace: str,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        client: Any = None,
    ) -> PushResult:
        """Create dataset `name` in `workspace`, or append to it when its layout matches.

        Records already there (same content and row index) are updated, not duplicated.
        URL and key default to ARGILLA_API_URL / ARGILLA_API_KEY.
        """
        from distilabel_cli.dataset.argilla import sdk

        client = client or sdk.connect(api_url, api_key)
        url = str(client.api_url)
        with sdk.argilla_errors(url):
            dataset = sdk.find_dataset(client, name, workspace)
            created = dataset is None
            if dataset is None:
                import argilla as rg

                settings = sdk.build_settings(self.layout, client)
                dataset = rg.Dataset(name, workspace=workspace, settings=settings, client=client)
                dataset.create()
                sdk.write_distil_info(client, dataset, self.info)
            else:
                self._check_compatible(sdk.existing_names(dataset), f"{workspace}/{name}")
                theirs = sdk.read_distil_info(client, dataset) or {}
                if theirs.get("features", self.info.get("features")) != self.info.get("features"):
                    raise DistilError(
                        f"Argilla dataset {workspace}/{name} was pushed from a dataset with other "
                        "columns; push this one to another --name"
                    )
            records = [sdk.build_record(r) for r in self.records]
            dataset.records.log(records, batch_size=max(1, min(LOG_BATCH, len(records))))
        return PushResult(
            f"{url}/dataset/{dataset.id}/annotation-mode", name, workspace, len(records), created
        )

    def _check_compatible(self, existing: dict[str, set[str]], where: str) -> None:
        ours = self.layout.names()
        for kind in ("fields", "questions", "vectors", "metadata"):
            if ours[kind] != existing[kind]:
                extra = sorted(ours[kind] - existing[kind])
                missing = sorted(existing[kind] - ours[kind])
                raise DistilError(
                    f"Argilla dataset {where} exists with other {kind} (new here: {extra or '-'}; "
                    f"only there: {missing or '-'}); push to another --name, or use the same "
                    "--no-vectors/--no-metrics choices as the first push"
                )


def to_argilla(
    dataset: Dataset,
    dataset_columns: list[str] | None = None,
    vector_strategy: Any = True,
    metric_strategy: Any = True,
) -> ArgillaDataset:
    """Convert a generated/labelled dataset for review in Argilla (no server needed).

    `dataset_columns`: text fields (or columns: "input", "generations") that get vectors and
    metrics; default the first five fields. `vector_strategy`: True (all-MiniLM-L6-v2 from
    the `[argilla]` extra; skipped with a notice without it), False/None, a local model
    folder, or an object with `encode(texts)` and `dimensions`. `metric_strategy`: True
    (`TextStatistics`), False/None, or an object with `metrics` and `compute(text)`.
    """
    if len(dataset) == 0:
        raise DistilError("the dataset has no rows to review")
    task = getattr(dataset, "task", None)
    rows = dataset.to_list()
    family = detect_family(dataset.features, task, _max_rating(rows))
    n = family.responses(rows)
    agent = _agent(rows) if family.labelled else None
    fields = family.fields(n)
    metrics = TextStatistics() if metric_strategy is True else metric_strategy or None
    layout = lay.Layout(
        fields=fields,
        questions=family.questions(n, agent),
        metadata=family.metadata(fields, n, set(dataset.column_names)),
        guidelines=family.guidelines(task, agent),
        described=lay.choose_described(fields, dataset_columns),
    )
    records = [record for i, row in enumerate(rows) for record in family.records(row, i, n)]
    if metrics is not None:
        described = {f: fields[f] for f in layout.described}
        layout.metadata += lay.metric_properties(described, metrics)
        _add_metrics(records, layout.described, metrics)
    embedder = resolve_vector_strategy(vector_strategy)
    if embedder is not None:
        _add_vectors(records, layout, embedder)
    info = {
        "distil_version": __version__,
        "family": family.to_dict(),
        "task": task.to_sidecar() if task is not None else None,
        "features": dataset.features.to_dict(),
        "generations": n,
    }
    return ArgillaDataset(family, layout, records, info)


def _max_rating(rows: list[dict[str, Any]]) -> float | None:
    """The highest `rating` (lists) or `score` (critiques) in the data."""
    values = [
        float(r)
        for row in rows
        for r in [*(row.get("rating") or []), row.get("score")]
        if isinstance(r, int | float) and not isinstance(r, bool) and math.isfinite(r)
    ]
    return max(values, default=None)


def _agent(rows: list[dict[str, Any]]) -> str | None:
    models = {str(r[LABELLING_MODEL]) for r in rows if r.get(LABELLING_MODEL)}
    return ", ".join(sorted(models)) if models else None


def _add_metrics(records: list[RecordData], fields: list[str], metrics: Any) -> None:
    for record in records:
        for name in fields:
            text = record.fields[name]
            for key, value in metrics.compute(None if text == NO_TEXT else text).items():
                record.metadata[f"{name}-{key}"] = value


def _add_vectors(records: list[RecordData], layout: lay.Layout, embedder: Any) -> None:
    """One vector field per described text field, embedded in one batch per field."""
    for name in layout.described:
        vectors = embedder.encode([r.fields[name] for r in records])
        for record, vector in zip(records, vectors, strict=True):
            record.vectors[f"{name}-vector"] = list(vector)
        title = f"{layout.fields[name]} ({getattr(embedder, 'name', 'embedding')})"
        layout.vectors.append(lay.Vector(f"{name}-vector", title, int(embedder.dimensions)))
    log.debug("embedded %d fields of %d records", len(layout.described), len(records))


def connect_for_push(
    name: str, workspace: str, api_url: str | None = None, api_key: str | None = None
) -> Any:
    """A client that reached Argilla and sees `workspace`: checked before converting, so an
    unreachable server fails at once, not after the embedding model has loaded."""
    from distilabel_cli.dataset.argilla import sdk

    client = sdk.connect(api_url, api_key)
    with sdk.argilla_errors(str(client.api_url)):
        sdk.find_dataset(client, name, workspace)
    return client


def push_for_spec(dataset: Dataset, output: Any, saved_to: str) -> PushResult:
    """The `output.argilla` push of `distil run`; the dataset is already saved at `saved_to`."""
    key = output.api_key.get_secret_value() if output.api_key is not None else None
    try:
        client = connect_for_push(output.name, output.workspace, output.api_url, key)
        converted = to_argilla(
            dataset, vector_strategy=output.vectors, metric_strategy=output.metrics
        )
        result = converted.push_to_argilla(output.name, output.workspace, client=client)
    except DistilError as exc:
        exc.details.append(
            f"the dataset is saved in {saved_to}; push it later with: distil push-argilla "
            f"{saved_to} --name {output.name} --workspace {output.workspace}"
        )
        raise
    notice(log, f"pushed {result.records} records to Argilla: {result.url}")
    return result
