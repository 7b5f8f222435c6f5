"""Shared base of every spec model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

PromptFormat = Literal["chat", "default", "openai", "llama2", "chatml", "zephyr", "notus"]


class StrictModel(BaseModel):
    """Base for every spec model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")
