"""`distil schema`: the JSON Schema of the spec, for editors."""

from __future__ import annotations

import json

import typer

#: The schema file shipped in the repository (kept equal to `distil schema` by a test);
#: every shipped config names it on its first line for editors (yaml-language-server).
SCHEMA_FILE = "distil.schema.json"


def spec_schema() -> str:
    """The JSON Schema of the pipeline spec, as text."""
    from distilabel_cli.spec.models import PipelineSpec

    document = PipelineSpec.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "distil pipeline spec (version 1)"
    return json.dumps(document, indent=2)


def schema() -> None:
    """Print the JSON Schema of the pipeline spec on stdout.

    Name it on a spec's first line for completion and checks in editors (VS Code's YAML
    extension, any yaml-language-server client):
    # yaml-language-server: $schema=./distil.schema.json

    [bold]Examples[/bold]

      distil schema > distil.schema.json
    """
    typer.echo(spec_schema())
