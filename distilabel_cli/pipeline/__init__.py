"""Pipeline, the async engine, progress and reports.

`Pipeline` and `pipeline` are imported on first use, so that the light modules of this
package (check, build_task) can be imported without `datasets`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distilabel_cli.pipeline.pipeline import Pipeline
    from distilabel_cli.pipeline.presets import pipeline

_EXPORTS = {
    "Pipeline": "distilabel_cli.pipeline.pipeline",
    "pipeline": "distilabel_cli.pipeline.presets",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = ["Pipeline", "pipeline"]
