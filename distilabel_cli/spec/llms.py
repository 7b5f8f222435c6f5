"""The `llm:` section of the YAML spec, derived from the backends' own declarations.

Each backend in `llms.LLM_TYPES` declares its options once, as `option()` fields of its
LLM class (`llms/options.py`). Its spec model is made from them here: a `StrictModel` with
`type: Literal[...]`, those fields, `gpus` (where it runs) and the class's `check_options`
as its validator. `LLMSpec` is the discriminated union of all of them.
"""

from __future__ import annotations

import inspect
from dataclasses import MISSING
from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model, model_validator

from distilabel_cli.llms import LLM_TYPES, llm_class
from distilabel_cli.llms.base import LLM
from distilabel_cli.llms.options import option_info, options_of, yaml_type
from distilabel_cli.spec.base import StrictModel

GpuList = list[Annotated[int, Field(ge=0)]]
#: Keys of every `llm:` besides its backend's options: where it runs.
PLACEMENT: dict[str, Any] = {
    "gpus": (
        GpuList | None,
        Field(None, description="Run this LLM in its own process with CUDA_VISIBLE_DEVICES=these."),
    )
}


def spec_model(
    cls: type[LLM], llm_type: str | None = None, name: str | None = None
) -> type[StrictModel]:
    """The spec model (`name`, default `{class}Spec`) of an LLM class: its options (the
    shared ones first), `gpus`, and `type: Literal[llm_type]` when given; validated by
    `cls.check_options`."""
    options = options_of(cls)
    shared = [key for key in options if key in options_of(LLM)]
    fields: dict[str, Any] = {key: _spec_field(cls, options[key]) for key in shared}
    fields.update(PLACEMENT)
    if llm_type is not None:
        fields["type"] = (Literal[llm_type], ...)
    fields.update({n: _spec_field(cls, f) for n, f in options.items() if n not in shared})

    def check(self: StrictModel) -> StrictModel:
        cls.check_options(dict(self))
        return self

    return create_model(
        name or f"{cls.__name__}Spec",
        __base__=StrictModel,
        __doc__=_summary(cls),
        __module__=__name__,
        __validators__={"_check_options": model_validator(mode="after")(check)},
        **fields,
    )


def _spec_field(cls: type[LLM], option_field: Any) -> tuple[Any, Any]:
    """(YAML type, pydantic Field) of one option field."""
    constraints = dict(option_info(option_field).constraints)
    if option_field.default is not MISSING:
        spec = Field(option_field.default, **constraints)
    elif option_field.default_factory is not MISSING:
        spec = Field(default_factory=option_field.default_factory, **constraints)
    else:
        spec = Field(**constraints)
    return yaml_type(cls, option_field), spec


def _summary(cls: type) -> str | None:
    """The first paragraph of a class's docstring, on one line."""
    doc = inspect.getdoc(cls)
    return " ".join(doc.split("\n\n")[0].split()) if doc else None


#: YAML `llm.type` -> its spec model.
LLM_SPECS: dict[str, type[StrictModel]] = {
    llm_type: spec_model(llm_class(llm_type), llm_type) for llm_type in LLM_TYPES
}
# Module attributes under their own names, so that they pickle (a `gpus:` LLM's spec goes to
# its child process).
globals().update({model.__name__: model for model in LLM_SPECS.values()})
LLMSpec = Annotated[Union[tuple(LLM_SPECS.values())], Field(discriminator="type")]  # noqa: UP007
