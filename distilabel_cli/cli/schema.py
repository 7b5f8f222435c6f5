"""`distil schema`: the JSON Schema of the spec, for editors."""

from __future__ import annotations

import json

import typer


def schema() -> None:
    """Print the JSON Schema of the pipeline spec on stdout."""
    from distilabel_cli.spec.models import PipelineSpec

    document = PipelineSpec.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "distil pipeline spec (version 1)"
    typer.echo(json.dumps(document, indent=2))
