"""LLMPool: several LLMs behind one LLM; each row's generations come from distinct members."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from typing import Any

from distilabel_cli.errors import DistilError, FatalLLMError
from distilabel_cli.llms.base import LLM, Completion, Usage
from distilabel_cli.prompt_types import FormattedPrompt, PromptFormat


class BalancedSampler:
    """Draws members per row: distinct within a row, equally used over many rows.

    Members are dealt from shuffled rounds (a deck holding each member once); a row that
    needs more members than the deck has left takes the rest from the next round, skipping
    members it already has. Reproducible with `seed`.
    """

    def __init__(self, size: int, seed: int | None = None) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self._deck: list[int] = []

    def draw(self, k: int) -> dict[int, int]:
        """Member index -> number of generations, for one row of `k` generations.

        With k <= size the members are distinct; with more, each member gets k // size
        generations and k % size members (from the deck) get one more.
        """
        full, extra = divmod(k, self.size)
        plan = {member: full + 1 for member in self._distinct(extra)}
        if full:
            for member in self.rng.sample(range(self.size), self.size):
                plan.setdefault(member, full)
        return plan

    def _distinct(self, k: int) -> list[int]:
        chosen: list[int] = []
        while len(chosen) < k:
            if not self._deck:
                self._deck = self.rng.sample(range(self.size), self.size)
            index = next(i for i, m in enumerate(self._deck) if m not in chosen)
            chosen.append(self._deck.pop(index))
        return chosen


@dataclass(kw_only=True)
class LLMPool(LLM):
    """An LLM whose requests are answered by its members, which run in parallel.

    For each `agenerate` call (one row) the `num_generations` come from distinct, randomly
    chosen members (all members equally often over the dataset; `seed` makes the choice
    reproducible); each Completion names its member in `model`. As a labeller (one request
    per row) a pool is an ensemble of judges: each row is rated by one member, members
    taking turns in shuffled rounds. Members with the same `model_name` are told apart as
    `name#index`.
    """

    llms: list[LLM]
    _sampler: BalancedSampler = field(init=False, repr=False)
    _formats: dict[str, PromptFormat] = field(default_factory=dict, init=False, repr=False)
    _names: list[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.llms:
            raise DistilError("an LLMPool needs at least one LLM")
        self._sampler = BalancedSampler(len(self.llms), self.seed)
        self._refresh_concurrency()

    @property
    def members(self) -> list[LLM]:
        return self.llms

    def member_names(self) -> list[str]:
        """Each member's `model_name`; duplicates get `#index` (loads lazy members)."""
        if self._names is None:
            for llm in self.llms:  # let child processes load side by side
                start = getattr(llm, "start", None)
                if callable(start):
                    start()
            names = [llm.model_name for llm in self.llms]
            counts = Counter(names)
            self._names = [n if counts[n] == 1 else f"{n}#{i}" for i, n in enumerate(names)]
        return self._names

    @property
    def model_name(self) -> str:
        return f"LLMPool({', '.join(self.member_names())})"

    @property
    def supports_structured_output(self) -> bool:
        return all(llm.supports_structured_output for llm in self.llms)

    def structured_output_for(self, prompt_format: PromptFormat) -> bool:
        return all(llm.structured_output_for(prompt_format) for llm in self.llms)

    def format_for(self, task_format: PromptFormat) -> PromptFormat:
        """The members' format (they must agree) for a task's prompts."""
        if task_format not in self._formats:
            self.member_names()
            formats = [llm.format_for(task_format) for llm in self.llms]
            if len(set(formats)) > 1:
                raise DistilError(
                    f"the members of a pool must share a prompt format, got {formats}"
                )
            self._formats[task_format] = formats[0]
        return self._formats[task_format]

    def reset_loop_state(self) -> None:
        super().reset_loop_state()
        for llm in self.llms:
            llm.reset_loop_state()
        self._refresh_concurrency()

    def _refresh_concurrency(self) -> None:
        self.concurrency = sum(max(1, llm.concurrency) for llm in self.llms)

    async def agenerate(
        self,
        prompt: FormattedPrompt,
        num_generations: int = 1,
        json_schema: dict[str, Any] | None = None,
    ) -> list[Completion]:
        plan = self._sampler.draw(num_generations)  # before any await: follows call order
        tasks = [
            asyncio.ensure_future(self.llms[m].agenerate(prompt, n, json_schema))
            for m, n in plan.items()
        ]
        try:
            answers = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        finally:
            self._sum_usage()
        try:
            names = self.member_names()
        except DistilError as exc:
            raise FatalLLMError(exc.message) from None
        return [
            replace(c, model=c.model or names[m])
            for m, completions in zip(plan, answers, strict=True)
            for c in completions
        ]

    def _sum_usage(self) -> None:
        """The pool's usage is its members' together (in place: reports hold it)."""
        for f in fields(Usage):
            values = [getattr(llm.usage, f.name) for llm in self.llms]
            if all(isinstance(v, int | float) for v in values):
                setattr(self.usage, f.name, sum(values))
            else:  # e.g. first_error: the first member's that has one
                setattr(self.usage, f.name, next((v for v in values if v is not None), None))

    async def aclose(self) -> None:
        """Release every member's loop-bound resources (e.g. aiohttp sessions)."""
        await asyncio.gather(*(llm.aclose() for llm in self.llms))

    def close(self) -> None:
        """Close every member, even when one of them fails to."""
        errors = []
        for llm in self.llms:
            try:
                llm.close()
            except Exception as exc:  # noqa: BLE001 - re-raised after the others closed
                errors.append(exc)
        if errors:
            raise errors[0]
