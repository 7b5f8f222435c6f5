"""The YAML spec: pydantic models and the loader."""

from distilabel_cli.spec.loader import SpecSource, load_spec
from distilabel_cli.spec.models import PipelineSpec

__all__ = ["PipelineSpec", "SpecSource", "load_spec"]
