"""The `argilla` 2.x SDK side: connecting, settings, records, and errors as `DistilError`."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from distilabel_cli.dataset.argilla.layout import Layout
from distilabel_cli.dataset.argilla.records import RecordData
from distilabel_cli.errors import DistilError

if TYPE_CHECKING:
    import argilla as rg

#: Key of distil's own entry in the Argilla dataset's metadata.
DISTIL_KEY = "distil"


@contextmanager
def argilla_errors(api_url: str) -> Iterator[None]:
    """Turn connection, credential and server refusals into one clear `DistilError`."""
    import httpx
    from argilla._exceptions import ArgillaError
    from argilla._exceptions._api import ArgillaAPIError, ForbiddenError
    from argilla._exceptions._client import ArgillaCredentialsError

    try:
        yield
    except httpx.TransportError as exc:
        raise DistilError(f"cannot reach Argilla at {api_url}: {exc}") from None
    except ArgillaCredentialsError:
        raise DistilError(
            f"Argilla at {api_url} rejected the API key (--api-key / ARGILLA_API_KEY)"
        ) from None
    except ForbiddenError:
        raise DistilError(
            f"Argilla at {api_url}: this API key's user may not do that "
            "(pushing and pulling need an owner or admin of the workspace)"
        ) from None
    except ArgillaAPIError as exc:
        raise DistilError(f"Argilla at {api_url} refused: {_first_line(exc)}") from None
    except ArgillaError as exc:
        raise DistilError(f"Argilla: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    """The error's first line, without an HTML page the server may have sent as details."""
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    return text.split(" Details: <", 1)[0]


def connect(api_url: str | None = None, api_key: str | None = None) -> rg.Argilla:
    """A client for `api_url`/`api_key`, defaulting to ARGILLA_API_URL/ARGILLA_API_KEY."""
    url = api_url or os.environ.get("ARGILLA_API_URL")
    key = api_key or os.environ.get("ARGILLA_API_KEY")
    if not url:
        raise DistilError("no Argilla server: pass --api-url or set ARGILLA_API_URL")
    if not key:
        raise DistilError("no Argilla API key: pass --api-key or set ARGILLA_API_KEY")
    import argilla as rg
    from argilla._exceptions._api import NotFoundError

    with argilla_errors(url):
        try:
            return rg.Argilla(api_url=url.rstrip("/"), api_key=key, retries=1)
        except NotFoundError:
            raise DistilError(
                f"{url} does not answer like an Argilla server (its API is not there); "
                "check --api-url / ARGILLA_API_URL"
            ) from None


def find_dataset(client: rg.Argilla, name: str, workspace: str) -> rg.Dataset | None:
    """The dataset `name` in `workspace`, or None; a missing workspace is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the SDK warns about what is missing
        if client.workspaces(workspace) is None:
            raise DistilError(
                f"Argilla workspace {workspace!r} does not exist (or this user cannot see it); "
                "create it in Argilla first, or pass another --workspace"
            )
        return client.datasets(name=name, workspace=workspace)


def build_settings(layout: Layout, client: rg.Argilla) -> rg.Settings:
    """`rg.Settings` of a layout, bound to `client`."""
    import argilla as rg

    questions: list[Any] = [
        rg.RatingQuestion(
            q.name,
            values=list(q.values),
            title=q.title,
            description=q.description or None,
            required=q.required,
            client=client,
        )
        if q.kind == "rating"
        else rg.TextQuestion(
            q.name,
            title=q.title,
            description=q.description or None,
            required=q.required,
            use_markdown=True,
            client=client,
        )
        for q in layout.questions
    ]
    kinds = {
        "terms": rg.TermsMetadataProperty,
        "integer": rg.IntegerMetadataProperty,
        "float": rg.FloatMetadataProperty,
    }
    return rg.Settings(
        guidelines=layout.guidelines or None,
        fields=[
            rg.TextField(name, title=title, use_markdown=True, client=client)
            for name, title in layout.fields.items()
        ],
        questions=questions,
        metadata=[kinds[m.kind](m.name, title=m.title, client=client) for m in layout.metadata],
        vectors=[
            rg.VectorField(v.name, dimensions=v.dimensions, title=v.title, _client=client)
            for v in layout.vectors
        ],
        allow_extra_metadata=True,  # the row itself travels as extra metadata, for pull
    )


def build_record(record: RecordData) -> rg.Record:
    """`rg.Record` with the judge's suggestions attributed to it (`agent`)."""
    import argilla as rg

    suggestions = [
        rg.Suggestion(question_name=name, value=value, agent=record.agent, type="model")
        for name, value in record.suggestions.items()
        if value is not None
    ]
    return rg.Record(
        id=record.id,
        fields=record.fields,
        metadata=record.metadata,
        suggestions=suggestions,
        vectors=record.vectors or None,
    )


def existing_names(dataset: rg.Dataset) -> dict[str, set[str]]:
    """Names by kind of an existing dataset's settings."""
    settings = dataset.settings
    return {
        "fields": {f.name for f in settings.fields},
        "questions": {q.name for q in settings.questions},
        "metadata": {m.name for m in settings.metadata},
        "vectors": {v.name for v in settings.vectors},
    }


def read_distil_info(client: rg.Argilla, dataset: rg.Dataset) -> dict[str, Any] | None:
    """distil's entry in the dataset's metadata (the SDK has no accessor: REST v1)."""
    response = client.api.http_client.get(f"/api/v1/datasets/{dataset.id}")
    response.raise_for_status()
    return (response.json().get("metadata") or {}).get(DISTIL_KEY)


def write_distil_info(client: rg.Argilla, dataset: rg.Dataset, info: dict[str, Any]) -> None:
    """Store distil's entry (task, features, family) in the dataset's metadata."""
    url = f"/api/v1/datasets/{dataset.id}"
    response = client.api.http_client.patch(url, json={"metadata": {DISTIL_KEY: info}})
    response.raise_for_status()


def raw_records(client: rg.Argilla, dataset: rg.Dataset, page: int = 500) -> Iterator[Any]:
    """Every record model with its responses, discarded ones included (REST v1 via the SDK's
    API layer: the high-level `Record` drops responses that answer no question)."""
    offset = 0
    while True:
        batch = client.api.records.list(
            dataset.id, offset=offset, limit=page, with_suggestions=False, with_responses=True
        )
        yield from batch
        if len(batch) < page:
            return
        offset += page


def record_parts(model: Any) -> tuple[str, dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]:
    """(distil record id, metadata, {user id: (response status, {question: value})})."""
    metadata = model.metadata or {}
    if isinstance(metadata, list):
        metadata = {m.name: m.value for m in metadata}
    reviews = {
        str(r.user_id): (
            str(getattr(r.status, "value", r.status)),
            {q: (v or {}).get("value") for q, v in (r.values or {}).items()},
        )
        for r in model.responses or []
    }
    return str(model.external_id), metadata, reviews
