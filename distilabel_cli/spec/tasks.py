"""Pydantic models of the `task:` sections of the YAML spec, one per task type.

Every field except `type` is passed to the task class of the same `type` as a keyword
argument (see `distilabel_cli.tasks.TASK_TYPES`), so field names here are the task's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from distilabel_cli.spec.base import PromptFormat, StrictModel
from distilabel_cli.tasks.principles import check_principles

UltraFeedbackAspect = Literal[
    "text-quality", "helpfulness", "truthfulness", "honesty", "instruction-following"
]
EvolInstructMethod = Literal["breadth", "constraints", "deepen", "concretizing", "reasoning"]
EvolComplexityMethod = Literal["constraints", "deepen", "concretizing", "reasoning"]
EvolQualityMethod = Literal["helpfulness", "relevance", "depth", "creativity", "details"]
OutputType = Literal[
    "string", "number", "integer", "boolean", "list[string]", "list[number]", "list[integer]"
]


class BaseTaskSpec(StrictModel):
    """Options every task has."""

    system_prompt: str | None = Field(None, description="Default: the task's own.")
    prompt_format: PromptFormat = "chat"
    input_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Read a task input from another column, e.g. {generations: instructions}.",
    )


class TextGenerationSpec(BaseTaskSpec):
    """Answer each row's `input`."""

    type: Literal["text-generation"]
    system_prompt: str | None = "You are a helpful, respectful and honest assistant."
    principles: dict[str, list[str]] | None = Field(
        None,
        description="Groups of principles; one principle per row is appended to the system "
        "prompt. Default with a principles_distribution: the UltraFeedback groups "
        "(harmlessness, helpfulness, truthfulness, honesty, verbalized_calibration).",
    )
    principles_distribution: Literal["balanced"] | dict[str, float] | None = Field(
        None, description='"balanced" or a weight per group (summing to 1).'
    )
    seed: int | None = Field(None, description="Seed of the principle drawn per row.")

    @model_validator(mode="after")
    def _distribution_matches(self) -> TextGenerationSpec:
        check_principles(self.principles, self.principles_distribution)
        return self


class SelfInstructSpec(BaseTaskSpec):
    """Write new instructions for an application, from each row's `input` (a topic)."""

    type: Literal["self-instruct"]
    application_description: str = "AI assistant"
    num_instructions: int = Field(5, gt=0)
    criteria: str | None = Field(None, description="What good instructions look like.")


class EvolInstructSpec(BaseTaskSpec):
    """Evolve each row's `input` into a more complex instruction (WizardLM)."""

    type: Literal["evol-instruct"]
    method: EvolInstructMethod | None = Field(None, description="Default: a random one per row.")
    seed: int | None = Field(None, description="Seed of the method drawn per row.")


class EvolComplexitySpec(BaseTaskSpec):
    """Evolve each row's `input` in depth only (Deita's EvolComplexity)."""

    type: Literal["evol-complexity"]
    method: EvolComplexityMethod | None = Field(None, description="Default: a random one per row.")
    seed: int | None = Field(None, description="Seed of the method drawn per row.")


class EvolQualitySpec(BaseTaskSpec):
    """Rewrite each row's `generation` to answer `input` better (Deita's EvolQuality)."""

    type: Literal["evol-quality"]
    method: EvolQualityMethod | None = Field(None, description="Default: a random one per row.")
    seed: int | None = Field(None, description="Seed of the method drawn per row.")


class UltraFeedbackSpec(BaseTaskSpec):
    """Rate each row's generations 1-5 on one UltraFeedback aspect."""

    type: Literal["ultrafeedback"]
    aspect: UltraFeedbackAspect = "instruction-following"


class JudgeLMSpec(BaseTaskSpec):
    """Rate each row's generations 1-10, with one rationale (JudgeLM)."""

    type: Literal["judgelm"]


class UltraJudgeSpec(BaseTaskSpec):
    """Rate each row's generations 0-10 in four areas, with feedback (UltraJudge)."""

    type: Literal["ultrajudge"]
    areas: list[str] | None = Field(None, min_length=1, description="Default: the four areas.")


class QualityScorerSpec(BaseTaskSpec):
    """Score the quality of each response to `input` (Deita)."""

    type: Literal["quality-scorer"]


class ComplexityScorerSpec(BaseTaskSpec):
    """Score the complexity of each instruction in `generations` (Deita)."""

    type: Literal["complexity-scorer"]


class UltraCMSpec(BaseTaskSpec):
    """Critique one response to `input` and score it 1-10 (UltraCM)."""

    type: Literal["ultracm"]


class PrometheusSpec(BaseTaskSpec):
    """Grade responses against a rubric (Prometheus): absolute 1-5, or relative A/B."""

    type: Literal["prometheus"]
    mode: Literal["absolute", "relative"] = "absolute"
    scoring_criteria: str = Field(description="The question the rubric answers.")
    score_descriptions: dict[int, str] | None = Field(
        None, description="Absolute mode: what scores 1..5 mean (all five)."
    )

    @model_validator(mode="after")
    def _rubric_fits_mode(self) -> PrometheusSpec:
        if self.mode == "absolute":
            given = sorted(self.score_descriptions or {})
            if given != [1, 2, 3, 4, 5]:
                raise ValueError(
                    f"absolute mode needs score_descriptions for scores 1-5 (got {given})"
                )
        return self


class CustomOutputSpec(StrictModel):
    """One output column of a custom task."""

    type: OutputType = "string"
    key: str | None = Field(None, description="JSON key of the answer (default: column name).")
    description: str | None = None


def _output_shorthand(value: Any) -> Any:
    """`score: integer` means `score: {type: integer}`."""
    return {"type": value} if isinstance(value, str) else value


#: An output column: a type name, or a mapping with its type, JSON key and description.
CustomOutput = Annotated[
    CustomOutputSpec,
    BeforeValidator(_output_shorthand),
    WithJsonSchema(
        {"anyOf": [{"enum": list(get_args(OutputType))}, CustomOutputSpec.model_json_schema()]}
    ),
]


class CustomTaskSpec(BaseTaskSpec):
    """A task defined by a Jinja2 template: its inputs, outputs and (optional) JSON schema."""

    type: Literal["custom"]
    template: str = Field(description="Path of a Jinja2 template (relative to the spec file).")
    inputs: list[str] = Field(min_length=1, description="Columns the template reads.")
    outputs: dict[str, CustomOutput] = Field(
        default_factory=lambda: {"generations": CustomOutputSpec()},
        min_length=1,
        description="Output columns and their types; several outputs, or a json_schema, "
        "make the answer JSON.",
    )
    json_schema: dict[str, Any] | None = Field(None, description="Schema of a JSON answer.")
    system_prompt: str | None = ""


TaskSpec = Annotated[
    TextGenerationSpec
    | SelfInstructSpec
    | EvolInstructSpec
    | EvolComplexitySpec
    | EvolQualitySpec
    | UltraFeedbackSpec
    | JudgeLMSpec
    | UltraJudgeSpec
    | QualityScorerSpec
    | ComplexityScorerSpec
    | UltraCMSpec
    | PrometheusSpec
    | CustomTaskSpec,
    Field(discriminator="type"),
]
