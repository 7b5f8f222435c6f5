"""Pipeline, the async engine, progress and reports."""

from distilabel_cli.pipeline.pipeline import Pipeline
from distilabel_cli.pipeline.presets import pipeline

__all__ = ["Pipeline", "pipeline"]
