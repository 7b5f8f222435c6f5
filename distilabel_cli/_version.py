"""The package version: one source, read by pyproject.toml and `distil --version`."""

__version__ = "0.1.0"
