"""Read a spec file into data and a node tree: text checks, YAML errors, duplicate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from distilabel_cli.errors import SpecError

YamlPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"


def format_path(path: YamlPath) -> str:
    """`generator.llm.stop[0]`-style rendering of a YAML path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file into (data, node tree); anything unreadable is a SpecError naming it."""
    text = _read_text(path)
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            _refuse_duplicate_keys(path, node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise SpecError(
            f"{path}:{line}: not a YAML text file: unacceptable character #x{code:04x} "
            "(binary data?)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{where}: invalid YAML: {problem}") from None
    except RecursionError:
        raise SpecError(f"{path}: invalid YAML: nested too deeply") from None
    return data, node


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, not a spec file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path}: not a YAML text file: invalid UTF-8 at byte {exc.start} (binary data?)"
        ) from None


def _refuse_duplicate_keys(path: Path, root: yaml.Node | None) -> None:
    """A key given twice in one mapping is an error naming both lines (PyYAML keeps the last)."""
    problems: list[tuple[int, str]] = []
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, ypath: YamlPath) -> None:
        if id(node) in seen_nodes:  # an alias of a node already checked
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*ypath, index))
        if not isinstance(node, yaml.MappingNode):
            return
        first_keys: dict[tuple[str, str], yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                walk(value_node, ypath)
                continue
            key_path = (*ypath, key_node.value)
            first = first_keys.setdefault((key_node.tag, key_node.value), key_node)
            if first is not key_node:
                line = key_node.start_mark.line + 1
                where = f"{path}:{line} {format_path(key_path)}"
                problems.append(
                    (line, f"{where}: duplicate key (first at line {first.start_mark.line + 1})")
                )
            walk(value_node, key_path)

    if root is not None:
        walk(root, ())
    if problems:
        raise SpecError(f"{path}: invalid spec", details=[p for _, p in sorted(problems)])
