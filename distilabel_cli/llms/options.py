"""An LLM's options are declared once, as fields of its dataclass made with `option()`.

Those fields are the YAML keys of its `llm:` section: the annotation is the YAML type
(unless `yaml=` names another, e.g. `SecretStr` for a key the Python API takes as `str`),
the default is the YAML default, and the other keyword arguments are pydantic `Field`
arguments (`gt=0`, `description=...`). `decides_output=True` marks an option that changes
what the model writes: it goes into the resume fingerprint. Fields made without `option()`
(the task, runtime state) are Python-only. `spec/llms.py` derives the spec's models from
these declarations; the process child and the fingerprint read them too.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any

#: Key of the `Option` in a dataclass field's metadata.
OPTION = "distil_option"


@dataclass(frozen=True)
class Option:
    """What `option()` records about a field besides its type and default."""

    yaml_type: Any = None
    decides_output: bool = False
    constraints: Mapping[str, Any] = field(default_factory=dict)


def option(
    default: Any = MISSING,
    *,
    default_factory: Any = MISSING,
    yaml: Any = None,
    decides_output: bool = False,
    **constraints: Any,
) -> Any:
    """A dataclass field that is also a YAML option (see the module docstring)."""
    return field(
        default=default,
        default_factory=default_factory,
        metadata={OPTION: Option(yaml, decides_output, constraints)},
    )


def options_of(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The option fields of an LLM class, base classes' first."""
    return {f.name: f for f in dataclasses.fields(cls) if OPTION in f.metadata}


def option_info(spec_field: dataclasses.Field[Any]) -> Option:
    return spec_field.metadata[OPTION]


def output_option_names(cls: type) -> list[str]:
    """The options that decide what an LLM of this class writes (the fingerprint's)."""
    return [name for name, f in options_of(cls).items() if option_info(f).decides_output]


def yaml_type(cls: type, option_field: dataclasses.Field[Any]) -> Any:
    """The YAML type of an option: `yaml=` when given, else the field's annotation."""
    given = option_info(option_field).yaml_type
    if given is not None:
        return given
    annotation = option_field.type
    if not isinstance(annotation, str):
        return annotation
    for klass in cls.__mro__:  # evaluated where it was written (`from __future__` strings)
        if option_field.name in vars(klass).get("__annotations__", {}):
            return eval(annotation, vars(sys.modules[klass.__module__]))
    raise TypeError(f"{cls.__name__}.{option_field.name}: annotation not found")
