"""The JSON Schema shipped as distil.schema.json is what `distil schema` prints, and every
shipped config names it on its first line, so editors validate and complete specs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from cli_helpers import distil

from distilabel_cli.cli.schema import SCHEMA_FILE, spec_schema

REPO = Path(__file__).resolve().parent.parent
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")


def test_the_shipped_schema_is_what_distil_schema_prints(tmp_path: Path) -> None:
    shipped = (REPO / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == spec_schema() + "\n", f"run: distil schema > {SCHEMA_FILE}"
    printed = distil("schema", cwd=tmp_path)
    assert printed.returncode == 0 and json.loads(printed.stdout) == json.loads(shipped)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_every_config_names_the_schema_and_satisfies_it(config: Path) -> None:
    first = config.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{config.name}: first line must be '# yaml-language-server: $schema=...'"
    schema_path = (config.parent / match.group("path")).resolve()
    assert schema_path == REPO / SCHEMA_FILE
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    if "preset" in document:
        return  # a preset fills in keys the file leaves out: only the loaded spec is whole
    jsonschema.validate(document, json.loads(schema_path.read_text(encoding="utf-8")))
