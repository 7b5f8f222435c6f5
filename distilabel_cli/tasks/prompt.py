"""Prompts, renderable in the prompt formats of the dataset contract."""

from __future__ import annotations

from dataclasses import dataclass

from distilabel_cli.prompt_types import CHAT_FORMATS, FormattedPrompt, Message, PromptFormat

__all__ = ["CHAT_FORMATS", "FormattedPrompt", "Message", "Prompt", "PromptFormat"]


@dataclass(frozen=True)
class Prompt:
    """A system prompt and a user prompt, renderable in any supported format."""

    system_prompt: str
    formatted_prompt: str

    def format_as(self, fmt: PromptFormat) -> FormattedPrompt:
        """Render for a model: a message list for `chat`/`openai`, a string otherwise."""
        sys, user = self.system_prompt, self.formatted_prompt
        if fmt in CHAT_FORMATS:
            messages = [{"role": "system", "content": sys}] if sys else []
            return [*messages, {"role": "user", "content": user}]
        if fmt == "default":
            return f"{sys}\n{user}"
        if fmt == "llama2":
            return f"<s>[INST] <<SYS>>\n{sys}<</SYS>>\n\n{user} [/INST]"
        if fmt == "chatml":
            return (
                f"<|im_start|>system\n{sys}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
                "<|im_start|>assistant\n"
            )
        if fmt in ("zephyr", "notus"):
            return f"<|system|>\n{sys}</s>\n<|user|>\n{user}</s>\n<|assistant|>\n"
        raise ValueError(f"unknown prompt format {fmt!r}")
