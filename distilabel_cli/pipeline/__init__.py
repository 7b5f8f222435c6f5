"""Pipeline, the async engine, progress and reports.

`Pipeline` and `pipeline` are imported on first use, so that the light modules of this
package (check, build_task) can be imported without `datasets`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distilabel_cli.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from distilabel_cli.pipeline.core import Pipeline
    from distilabel_cli.pipeline.presets import pipeline

EXPORTS = {"Pipeline": ("core", "Pipeline"), "pipeline": ("presets", "pipeline")}

__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)

__all__ = ["Pipeline", "pipeline"]
