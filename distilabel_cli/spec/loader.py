"""Load a YAML spec: env interpolation, --set overrides, line-accurate validation errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from distilabel_cli.errors import SpecError
from distilabel_cli.spec.env import expand_env
from distilabel_cli.spec.models import PipelineSpec
from distilabel_cli.spec.presets import apply_preset
from distilabel_cli.spec.remote import download_hub_spec, is_hub_spec
from distilabel_cli.spec.yaml_file import YamlPath, format_path, read_yaml

__all__ = ["SpecSource", "format_path", "load_spec", "read_yaml"]


@dataclass
class SpecSource:
    """Where a spec came from, able to point at the line of any YAML path."""

    file: str
    root: yaml.Node | None
    overridden: set[YamlPath] = field(default_factory=set)

    def locate(self, loc: tuple[Any, ...]) -> tuple[str, YamlPath]:
        """Return `file:line` (or `file --set`) and the YAML path that `loc` names.

        Elements of a pydantic `loc` that are not keys of the YAML (union tags) are skipped.
        """
        node, path, line = self.root, [], 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                if not (isinstance(node, yaml.MappingNode) and part == _type_of(node)):
                    path.append(part)  # a key missing from the YAML (union tags are skipped)
                    node = None
                continue
            key_node, node = child
            path.append(part)
            line = (key_node or node).start_mark.line + 1
        ypath = tuple(path)
        if ypath and any(_overlaps(ypath, o) for o in self.overridden):
            return f"{self.file} --set", ypath
        return f"{self.file}:{line}", ypath

    def error(self, loc: tuple[Any, ...], message: str) -> str:
        """One error line: `file:line path: message`."""
        where, ypath = self.locate(loc)
        return f"{where} {format_path(ypath)}: {message}"


def _overlaps(a: YamlPath, b: YamlPath) -> bool:
    """True when one path is a prefix of the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _type_of(node: yaml.MappingNode) -> str | None:
    found = _child(node, "type")
    return found[1].value if found and isinstance(found[1], yaml.ScalarNode) else None


def _child(node: yaml.Node | None, part: Any) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None


def interpolate(data: Any, source: SpecSource, loc: YamlPath = ()) -> Any:
    """Replace `${VAR}` / `${VAR:-default}` in every string of `data` from the environment."""
    if isinstance(data, dict):
        return {k: interpolate(v, source, (*loc, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [interpolate(v, source, (*loc, i)) for i, v in enumerate(data)]
    if not isinstance(data, str):
        return data

    try:
        return expand_env(data)
    except ValueError as exc:
        raise SpecError(
            f"{source.file}: invalid spec", details=[source.error(loc, str(exc))]
        ) from None


def parse_override(text: str) -> tuple[YamlPath, Any]:
    """Parse `path.to.key=value` (value read as YAML) from `--set`."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise SpecError(f"--set {text!r}: expected path.to.key=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise SpecError(f"--set {text!r}: value is not valid YAML ({exc})") from None
    return tuple(key.strip().split(".")), value


def apply_override(data: dict[str, Any], path: YamlPath, value: Any) -> None:
    """Set `value` at `path` in `data`, creating mappings on the way."""
    target = data
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    target[path[-1]] = value


def load_spec(
    path: str | Path, overrides: list[str] | None = None
) -> tuple[PipelineSpec, SpecSource]:
    """Load, interpolate, override and validate a spec file.

    Raises `SpecError` whose details name file, line and YAML path of each problem. `path`
    may be a spec on the Hub: `hf://datasets/OWNER/NAME/spec.yaml`.
    """
    if is_hub_spec(str(path)):
        path = download_hub_spec(str(path))
    path = Path(path)
    data, node = read_yaml(path)
    source = SpecSource(file=str(path), root=node)
    if node is None:
        raise SpecError(
            f"{path}: the spec is empty (expected a mapping with input, a generator "
            "and/or a labeller, and output)"
        )
    if not isinstance(data, dict):
        raise SpecError(
            f"{path}:{node.start_mark.line + 1}: the spec must be a YAML mapping "
            f"(input, generator, labeller, output, ...), got {_kind(data)}"
        )
    data = interpolate(data, source)
    data = apply_preset(data, f"{path}:{_line(source, ('preset',))}")
    for text in overrides or []:
        key_path, value = parse_override(text)
        apply_override(data, key_path, value)
        source.overridden.add(key_path)
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: _line(source, _loc(e)))
        details = [source.error(_loc(err), _message(err)) for err in errors]
        raise SpecError(f"{path}: invalid spec", details=details) from None
    return spec, source


def _loc(err: Any) -> tuple[Any, ...]:
    """Point union-tag errors at the `type` key itself."""
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return (*err["loc"], err["ctx"]["discriminator"].strip("'"))
    return tuple(err["loc"])


def _line(source: SpecSource, loc: tuple[Any, ...]) -> int:
    where, _ = source.locate(loc)
    line = where.rpartition(":")[2]
    return int(line) if line.isdigit() else 0


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_invalid":
        expected = err["ctx"]["expected_tags"].replace("'", "")
        return f"unknown type {err['ctx']['tag']!r} (expected one of: {expected})"
    if kind == "union_tag_not_found":
        return "Field required"
    return err["msg"].removeprefix("Value error, ")


def _kind(data: Any) -> str:
    """`a list`, `a string`, ... for a YAML value that should have been a mapping."""
    if data is None:
        return "null"
    names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(data), type(data).__name__)
