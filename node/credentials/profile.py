"""Per-institution requirement profile and claims validation.

DigiProf 4.2/5.2: each institution decides which elements it requires beyond the EU mandatory
ones; DOMAIN.md: the micro-credential size (ECTS) and the allowed EQF levels are configuration,
not constants. :func:`validate_claims` reports *every* problem at once, each naming the element
by its JSON name (``learningOutcomes``, ``workload.ects``, ``learningOutcomes[0].text``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from node.credentials import vocab
from node.credentials.model import LangTag, MicroCredentialClaims
from node.errors import Problem


class ClaimsInvalid(ValueError):
    """The claims do not satisfy the model or the institution's requirement profile."""

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(f"{p.element}: {p.reason}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"invalid micro-credential claims: {summary}{more}")
        self.problems = problems


class ProfileInvalid(ValueError):
    """The configured requirement profile (``[profile]`` of the settings) cannot be used."""


class RequirementProfile(BaseModel):
    """What one institution requires of the claims it issues (configuration)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )

    required_elements: frozenset[str] = Field(
        default=frozenset({"level.eqf"}),
        description="Optional elements this institution additionally requires, by JSON name "
        "(dotted for nested ones), e.g. `grade`, `workload.ects`, `languagesOfInstruction`.",
    )
    ects_min: Annotated[float, Field(ge=0)] = Field(default=1, description="Minimum ECTS.")
    ects_max: Annotated[float, Field(gt=0)] = Field(default=5, description="Maximum ECTS.")
    stack_ects_min: Annotated[float, Field(ge=0)] = Field(
        default=5, description="Minimum ECTS of a micro-degree (a credential stacking others)."
    )
    stack_ects_max: Annotated[float, Field(gt=0)] = Field(
        default=60, description="Maximum ECTS of a micro-degree."
    )
    allowed_eqf_levels: frozenset[Annotated[int, Field(ge=1, le=8)]] = Field(
        default=frozenset({5, 6, 7, 8}), description="EQF levels the institution issues at."
    )
    primary_language: LangTag = Field(
        default="en", description="Language of the plain Open Badges `name`/`description`."
    )

    @model_validator(mode="after")
    def _consistent(self) -> RequirementProfile:
        if self.ects_min > self.ects_max:
            raise ValueError("ectsMin is greater than ectsMax")
        if self.stack_ects_min > self.stack_ects_max:
            raise ValueError("stackEctsMin is greater than stackEctsMax")
        if not self.allowed_eqf_levels:
            raise ValueError("allowedEqfLevels is empty")
        unknown = self.required_elements - optional_elements()
        if unknown:
            raise ValueError(f"unknown optional elements: {', '.join(sorted(unknown))}")
        return self

    def check(self, claims: Mapping[str, Any] | MicroCredentialClaims) -> list[Problem]:
        """Problems of the claims against this profile (not against the model).

        ``claims`` is the JSON form (camelCase) or a validated model. Values of the wrong
        type are skipped here: the model validation reports them.
        """
        data: Mapping[str, Any] = (
            claims.model_dump(mode="json", exclude_none=True)
            if isinstance(claims, MicroCredentialClaims)
            else claims
        )
        problems = [
            Problem(element, "required by the institution's profile")
            for element in sorted(self.required_elements)
            if _is_empty(_lookup(data, element))
        ]
        ects = _lookup(data, "workload.ects")
        low, high = (
            (self.stack_ects_min, self.stack_ects_max)
            if data.get("stack") is not None
            else (self.ects_min, self.ects_max)
        )
        if _is_number(ects) and data.get("transcript") is None and not low <= ects <= high:
            problems.append(Problem("workload.ects", f"must be between {low:g} and {high:g} ECTS"))
        eqf = _lookup(data, "level.eqf")
        if _is_number(eqf) and eqf not in self.allowed_eqf_levels:
            allowed = ", ".join(str(level) for level in sorted(self.allowed_eqf_levels))
            problems.append(Problem("level.eqf", f"EQF level must be one of {allowed}"))
        problems.extend(self._primary_language_problems(data))
        return problems

    def _primary_language_problems(self, data: Mapping[str, Any]) -> Iterator[Problem]:
        language = data.get("primaryLanguage") or self.primary_language
        if not isinstance(language, str):
            return
        title = data.get("title")
        if isinstance(title, Mapping) and title and language not in title:
            yield Problem("title", f"no text in the primary language '{language}'")
        outcomes = data.get("learningOutcomes")
        if isinstance(outcomes, list):
            for index, outcome in enumerate(outcomes):
                text = outcome.get("text") if isinstance(outcome, Mapping) else None
                if isinstance(text, Mapping) and text and language not in text:
                    yield Problem(
                        f"learningOutcomes[{index}].text",
                        f"no text in the primary language '{language}'",
                    )


def requirement_profile(configured: Mapping[str, Any]) -> RequirementProfile:
    """The profile of the settings' raw ``profile`` table; :class:`ProfileInvalid` names what
    is wrong with it (one line)."""
    try:
        return RequirementProfile.model_validate(configured)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{p.element}: {p.reason}" if p.element != "(claims)" else p.reason
            for p in problems_from_validation_error(exc)
        )
        raise ProfileInvalid(f"the requirement profile ([profile]) is invalid: {reasons}") from None


def validate_claims(raw: Mapping[str, Any], profile: RequirementProfile) -> MicroCredentialClaims:
    """Validate ``raw`` (JSON form) against the model and ``profile``.

    Returns the claims with ``primaryLanguage`` filled in from the profile; raises
    :class:`ClaimsInvalid` listing every problem found.
    """
    problems: list[Problem] = []
    claims: MicroCredentialClaims | None = None
    try:
        claims = MicroCredentialClaims.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problems_from_validation_error(exc))
    if isinstance(raw, Mapping):
        known = {p.element for p in problems}
        problems.extend(p for p in profile.check(raw) if p.element not in known)
    if problems or claims is None:
        raise ClaimsInvalid(problems)
    if claims.primary_language is None:
        claims = claims.model_copy(update={"primary_language": profile.primary_language})
    return claims


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    """Turn pydantic errors into :class:`Problem` s naming elements by their JSON name."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        problem = _problem(error)
        key = (problem.element, problem.reason)
        if key not in seen:
            seen.add(key)
            problems.append(problem)
    return problems


def _problem(error: ErrorDetails) -> Problem:
    context = error.get("ctx") or {}
    if error["type"] == "element":
        return Problem(str(context["element"]), str(context["reason"]))
    element = element_name(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return Problem(element, "required")
    if kind == "extra_forbidden":
        return Problem(element, "unknown element")
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind in ("enum", "literal_error") and "expected" in context:
        message = f"must be one of {context['expected']}"
    if kind == "string_pattern_mismatch":
        message = _PATTERN_REASONS.get(str(context.get("pattern")), "has the wrong format")
    return Problem(element or "(claims)", message)


_PATTERN_REASONS: Final = {
    vocab.ESCO_SKILL_PATTERN: "not an ESCO skill URI (http://data.europa.eu/esco/skill/<uuid>)",
    vocab.LANG_TAG_PATTERN: "not a well-formed BCP 47 language tag",
    vocab.ISCED_F_PATTERN: "not an ISCED-F 2013 field code (2–4 digits)",
}


def element_name(loc: tuple[int | str, ...]) -> str:
    """``('learningOutcomes', 0, 'text', 'xx')`` → ``learningOutcomes[0].text.xx``."""
    name = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name


# ---- helpers -------------------------------------------------------------------------------


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@cache
def optional_elements() -> frozenset[str]:
    """JSON names (dotted) of every optional element a profile may make required."""
    return frozenset(_optional(MicroCredentialClaims, ""))


def _optional(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        if not field.is_required():
            yield path
        nested = _nested_model(field.annotation)
        if nested is not None:
            yield from _optional(nested, f"{path}.")


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None`` or ``list[X]``; lists of models are not walked
    (``learningOutcomes.text`` cannot be "additionally required" per item)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        candidates = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = candidates[0] if len(candidates) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
