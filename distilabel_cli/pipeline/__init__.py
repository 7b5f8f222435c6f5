"""Pipeline, the async engine, progress and reports."""

from distilabel_cli.pipeline.pipeline import Pipeline

__all__ = ["Pipeline"]
