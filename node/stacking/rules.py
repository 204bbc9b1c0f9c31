"""What a stack rule says (shared/DOMAIN.md, "Stacking"): the components a micro-degree of
this (awarding) institution is made of, and what each part must be.

Credits are never summed automatically: a micro-degree follows the rule its awarding
institution sets —

- **groups** of **components**, each component *required* or *elective*: a catalogue entry
  (this node's or a partner's: any of its versions, issued by the institution named), or a
  recognition decision of the awarding institution towards a programme; an entry component
  is also met by the awarding institution's recognition decision of a credential of that
  entry;
- a **minimum of ECTS** in all and per group, and of components per group;
- each part's **EQF level** at least the rule's, its **grade** at least the component's
  minimum on the grading scale it names, and its **age** (issued at most so many months
  before) within the rule's maximum;
- each part's issuer a **member in good standing when it issued it** (the pipeline's
  membership check, judged at the part's anchor time), and every check of the part run and
  passed.

:class:`StackRuleIn` is what staff write; :class:`StackRule` is the published version,
with its identity (``id``: the version's URL, ``stack``, ``version``, ``awardingInstitution``)
added by the node. Its JSON Schema is served at :data:`SCHEMA_PATH` and is the one the node
validates with.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, model_validator

from node.agreements.terms import Ects, document_schema
from node.credentials.model import (
    Did,
    LangMap,
    ShortText,
    StrictModel,
    Uri,
    element_error,
)

SCHEMA_ID: Final = "https://w3id.org/credreg/schemas/stack-rule/v1.json"
SCHEMA_PATH: Final = "/schemas/stack-rule/v1.json"
DOCUMENT_TYPE: Final = "StackRule"
Key = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="A short identifier."),
]


class GradeMinimum(StrictModel):
    """The lowest grade that counts, on a grading scale listed best first."""

    scale: list[ShortText] = Field(min_length=2, max_length=30, description="Best grade first.")
    minimum: ShortText

    @model_validator(mode="after")
    def _on_its_scale(self) -> Self:
        if self.minimum not in self.scale:
            raise element_error("minGrade", f"{self.minimum} is not on its scale")
        if len(set(self.scale)) != len(self.scale):
            raise element_error("minGrade", "a grade appears twice on the scale")
        return self

    def holds(self, grade: str | None) -> bool:
        return grade in self.scale and self.scale.index(grade) <= self.scale.index(self.minimum)


class RecognitionComponent(StrictModel):
    """Met by a recognition decision of the awarding institution towards ``programme``."""

    programme: ShortText


class Component(StrictModel):
    id: Key
    title: LangMap | None = None
    required: bool = True
    entry: Uri | None = Field(
        None,
        description="A catalogue entry's URL (its versions are ``{entry}/versions/{n}``).",
    )
    issuer: Did | None = Field(None, description="Whose entry it is (with ``entry``).")
    recognition: RecognitionComponent | None = None
    min_grade: GradeMinimum | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.entry is None) == (self.recognition is None):
            raise element_error("components", f"{self.id}: either an entry or a recognition")
        if (self.entry is None) != (self.issuer is None):
            raise element_error("components", f"{self.id}: an entry names its issuer")
        if self.entry is not None and "/versions/" in self.entry:
            raise element_error("components", f"{self.id}: the entry's URL, not a version's")
        return self


class Group(StrictModel):
    id: Key
    title: LangMap | None = None
    components: list[Component] = Field(min_length=1, max_length=50)
    min_ects: Ects | None = None
    min_components: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, description="At least this many of the group's components met."
    )


class StackRuleIn(StrictModel):
    """What the awarding institution's staff set; the node adds the identity."""

    entry: Uri = Field(
        description="The micro-degree: a published version of this institution's catalogue."
    )
    title: LangMap
    groups: list[Group] = Field(min_length=1, max_length=20)
    min_ects: Ects = Field(description="ECTS of all the parts together, at least.")
    min_eqf: Annotated[int, Field(ge=1, le=8)] | None = Field(
        None, description="Each part's EQF level, at least."
    )
    max_age_months: Annotated[int, Field(ge=1, le=600)] | None = Field(
        None, description="Each part issued at most this many months before."
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        groups = [g.id for g in self.groups]
        components = [c.id for g in self.groups for c in g.components]
        if len(set(groups)) != len(groups) or len(set(components)) != len(components):
            raise element_error("groups", "group and component ids are unique")
        for group in self.groups:
            if group.min_components is not None and group.min_components > len(group.components):
                raise element_error("groups", f"{group.id}: minComponents over its components")
        entries = [c.entry for g in self.groups for c in g.components if c.entry is not None]
        if len(set(entries)) != len(entries):
            raise element_error("groups", "an entry is named by one component only")
        return self


class StackRule(StackRuleIn):
    """A published rule version (the document ``/api/stacks`` serves and credentials cite)."""

    type: Literal["StackRule"]
    id: Uri = Field(description="This version's URL.")
    stack: Uri = Field(description="The stack's URL (its versions are under it).")
    version: Annotated[int, Field(ge=1)]
    awarding_institution: Did
    previous_version: Uri | None = None


def stack_rule_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :class:`StackRule` (a fresh dict each call)."""
    title = "Stack rule of a micro-degree in a micro-credential network"
    return document_schema(StackRule, SCHEMA_ID, title)


def stack_of(version_url: str) -> str:
    """The stack's URL, from one of its versions' (``{stack}/versions/{n}``)."""
    return version_url.rsplit("/versions/", 1)[0]
