"""`preset:` in a spec: ready-made stages that the spec's own keys override."""

from __future__ import annotations

import copy
from typing import Any, get_args

from distilabel_cli.errors import SpecError
from distilabel_cli.tasks.ultrafeedback_rubrics import UltraFeedbackAspect

#: The seed's default labeller: OpenAI gpt-3.5-turbo at temperature 0.
DEFAULT_LABELLER_LLM: dict[str, Any] = {
    "type": "openai",
    "model": "gpt-3.5-turbo",
    "temperature": 0.0,
    "max_new_tokens": 512,
}
UF_ASPECTS: tuple[str, ...] = get_args(UltraFeedbackAspect)


def _labeller(task: dict[str, Any]) -> dict[str, Any]:
    return {"labeller": {"llm": dict(DEFAULT_LABELLER_LLM), "task": task}}


#: Preset name -> the spec keys it fills in.
PRESETS: dict[str, dict[str, Any]] = {
    **{f"preference/{a}": _labeller({"type": "ultrafeedback", "aspect": a}) for a in UF_ASPECTS},
    "preference/judgelm": _labeller({"type": "judgelm"}),
    "preference/ultrajudge": _labeller({"type": "ultrajudge"}),
    "critique/ultracm": _labeller({"type": "ultracm"}),
}
ALIASES = {"preference": "preference/instruction-following", "critique": "critique/ultracm"}


def preset_keys(name: str) -> dict[str, Any]:
    """The spec keys of preset `name` (a deep copy); KeyError names the known presets."""
    key = ALIASES.get(name, name)
    if key not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(sorted(PRESETS))}")
    return copy.deepcopy(PRESETS[key])


def apply_preset(data: dict[str, Any], where: str) -> dict[str, Any]:
    """`data` with its `preset:` filled in underneath its own keys."""
    name = data.get("preset")
    if name is None:
        return data
    try:
        base = preset_keys(str(name))
    except KeyError as exc:
        raise SpecError(f"{where} preset: {exc.args[0]}") from None
    return merge(base, data)


def merge(base: Any, override: Any) -> Any:
    """`override` laid over `base`, recursively; a mapping with another `type` replaces."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    if "type" in override and override.get("type") != base.get("type"):
        return override
    merged = dict(base)
    for key, value in override.items():
        merged[key] = merge(base[key], value) if key in base else value
    return merged
