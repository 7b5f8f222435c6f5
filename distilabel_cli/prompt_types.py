"""Prompt types shared by tasks (which write prompts) and LLMs (which send them)."""

from __future__ import annotations

from typing import Literal

#: How a prompt is rendered for a model: a message list (`chat`, `openai`) or a string.
PromptFormat = Literal["chat", "default", "openai", "llama2", "chatml", "zephyr", "notus"]
Message = dict[str, str]
#: A rendered prompt: a string, or a list of chat messages.
FormattedPrompt = str | list[Message]

CHAT_FORMATS: frozenset[str] = frozenset({"chat", "openai"})
