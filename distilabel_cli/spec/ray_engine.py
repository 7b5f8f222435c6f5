"""The `run.ray` and `<stage>.ray` sections of the spec: where `run.engine: ray` runs.

The local engine ignores them (a spec runs unchanged on both engines). With `engine: ray`,
`gpus:` (a local child process pinned to GPUs) is refused: Ray places GPUs (`ray.num_gpus`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, NoReturn

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from distilabel_cli.llms import llm_class
from distilabel_cli.llms.options import output_option_names
from distilabel_cli.spec.base import StrictModel

#: Keys of `replica_options` that are not LLM options.
REPLICA_RESOURCES = "resources"
#: LLM keys a replica cannot change: replicas serve one model that writes the same outputs.
SAME_FOR_ALL_REPLICAS = frozenset({"type", "gpus", "model", "pricing"})

Amount = Annotated[float, Field(ge=0)]


class RayRunSpec(StrictModel):
    """The Ray cluster a run with `engine: ray` connects to."""

    address: str | None = Field(
        None,
        description="host:port of the cluster's head (e.g. 127.0.0.1:6379), 'auto' (the "
        "cluster `ray start` made on this machine), 'local' (start a one-node Ray for this "
        "run) or ray://host:port. Default: RAY_ADDRESS (set by `ray job submit`), else auto.",
    )
    namespace: str | None = Field(None, description="Ray namespace of the run's actors.")


class RayStageSpec(StrictModel):
    """The Ray actors (replicas) that serve one stage's LLM; Ray places them."""

    replicas: int = Field(1, ge=1, description="Actors serving this stage, each its own LLM.")
    num_gpus: Amount = Field(0, description="GPUs per replica (fractions share a GPU).")
    num_cpus: Amount | None = Field(None, description="CPUs per replica; default Ray's (1).")
    resources: dict[str, Amount] = Field(
        default_factory=dict,
        description="Custom Ray resources per replica, e.g. {node_a: 1}.",
    )
    replica_options: list[dict[str, Any]] = Field(
        default_factory=list,
        description="One mapping per replica (as many as replicas): llm options for that "
        "replica (e.g. base_url, api_key, concurrency, rate limits) and/or its own "
        "`resources`.",
    )

    @model_validator(mode="after")
    def _one_per_replica(self) -> RayStageSpec:
        if self.replica_options and len(self.replica_options) != self.replicas:
            _fail(
                [
                    (
                        ("replica_options",),
                        f"give one mapping per replica: {len(self.replica_options)} given, "
                        f"replicas is {self.replicas}",
                    )
                ]
            )
        return self


def check_replica_options(ray: RayStageSpec, llm: Any) -> None:
    """Raise a ValidationError at `ray.replica_options[i].key` for each option a replica may
    not set, or sets to a value its LLM refuses (`llm`: the stage's llm spec, None: a pool)."""
    if not ray.replica_options:
        return
    if llm is None:
        _fail([(("ray", "replica_options"), "replica_options needs llm:, not pool:")])
    fixed = SAME_FOR_ALL_REPLICAS | set(output_option_names(llm_class(llm.type)))
    errors: list[tuple[tuple[Any, ...], str]] = []
    for index, options in enumerate(ray.replica_options):
        where = ("ray", "replica_options", index)
        for key in sorted(fixed & set(options)):
            errors.append(
                (
                    (*where, key),
                    "the same for every replica (they serve one model with the same "
                    "outputs); use pool: for different models",
                )
            )
        resources = options.get(REPLICA_RESOURCES, {})
        if not _is_resources(resources):
            errors.append(((*where, REPLICA_RESOURCES), "expected a mapping name: amount >= 0"))
        llm_options = {k: v for k, v in options.items() if k not in fixed | {REPLICA_RESOURCES}}
        try:
            replica_spec(llm, llm_options)
        except ValidationError as exc:
            errors.extend(((*where, *e["loc"]), _message(e)) for e in exc.errors())
    if errors:
        _fail(errors)


def replica_spec(llm: Any, options: Mapping[str, Any]) -> Any:
    """The llm spec `llm` with `options` (LLM keys) applied, validated like the YAML."""
    return type(llm).model_validate({**dict(llm), **options})


def check_ray_engine(stages: Mapping[str, Any]) -> None:
    """With `engine: ray`: no `gpus:` anywhere (Ray places GPUs: `<stage>.ray.num_gpus`)."""
    errors: list[tuple[tuple[Any, ...], str]] = []
    for name, stage in stages.items():
        if stage is None:
            continue
        hint = (
            f"gpus pins a local process to GPUs; with run.engine: ray give {name}.ray.num_gpus "
            "(GPUs per replica, placed by Ray)"
        )
        if stage.llm is not None and stage.llm.gpus is not None:
            errors.append(((name, "llm", "gpus"), hint))
        for index, member in enumerate(stage.pool or []):
            if member.gpus is not None:
                errors.append(((name, "pool", index, "gpus"), hint))
            elif member.llm.gpus is not None:
                errors.append(((name, "pool", index, "llm", "gpus"), hint))
    if errors:
        _fail(errors)


def _is_resources(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        for k, v in value.items()
    )


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return str(error["msg"]).removeprefix("Value error, ")


def _fail(errors: list[tuple[tuple[Any, ...], str]]) -> NoReturn:
    """Raise one ValidationError whose errors point at these YAML paths (relative to the
    model being validated: the loader prefixes the outer path)."""
    raise ValidationError.from_exception_data(
        "spec",
        [
            InitErrorDetails(type=PydanticCustomError("ray_spec", message), loc=loc, input=None)
            for loc, message in errors
        ],
    )
