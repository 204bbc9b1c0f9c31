"""The staff console's pages (/console): what each shows is decided here, the markup is in
node/web/templates/console_*.html (autoescaped, no script; the layout, CSS and languages of
:mod:`node.web.pages`). Every form that changes state carries a CSRF token."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from anchoring.registries import MemberInfo
from node.catalogue.csv_import import Imported
from node.catalogue.entries import Entry
from node.credentials import render as shapes
from node.credentials import vocab
from node.credentials.model import MicroCredentialClaims, pick
from node.credentials.profile import RequirementProfile
from node.db.models import MailOutbox, RecordState, StaffRole
from node.errors import Problem
from node.i18n.catalogues import gettext_noop, translator
from node.identity import InstitutionIdentity
from node.issuance.approvals import ApprovalStage, ChainState, QueueItem
from node.issuance.bulk import BulkOutcome
from node.issuance.registry import RecordView, RegistryPage, RegistryQuery
from node.issuance.uploads import RowView, Upload
from node.learners.accounts import Account
from node.staff.overview import NetworkState, Overview
from node.staff.signin import Enrolment, Staff
from node.tokens import CreatedToken, TokenInfo
from node.wallet.offers import OfferCreated
from node.wallet.qr import inline_svg
from node.web import labels
from node.web.pages import content_list
from node.web.templating import render


def _title_of(lang: str) -> Any:
    def title(texts: dict[str, str]) -> str:
        return pick(texts, lang) if texts else ""

    return title


def sign_in(
    lang: str,
    csrf: str,
    next_path: str,
    *,
    sso: str | None,
    message: str = "",
    username: str = "",
) -> str:
    return render(
        lang,
        "console_sign_in.html",
        csrf=csrf,
        next_path=next_path,
        sso=sso,
        message=message,
        username=username,
    )


def enrol(lang: str, csrf: str, enrolment: Enrolment, next_path: str, message: str = "") -> str:
    return render(
        lang,
        "console_enrol.html",
        csrf=csrf,
        ticket=enrolment.ticket,
        secret=enrolment.secret,
        qr=Markup(inline_svg(enrolment.uri, "TOTP")),
        next_path=next_path,
        message=message,
    )


def dashboard(
    lang: str,
    staff: Staff,
    csrf: str,
    shown: Overview,
    mail: Mapping[str, int],
    failures: Sequence[MailOutbox],
    *,
    mail_configured: bool,
) -> str:
    return render(
        lang,
        "console_dashboard.html",
        staff=staff,
        csrf=csrf,
        counts=shown.counts,
        overview=shown,
        mail=mail,
        failures=failures,
        mail_configured=mail_configured,
    )


def registry(
    lang: str,
    staff: Staff,
    csrf: str,
    query: RegistryQuery,
    page: RegistryPage | None,
    *,
    next_url: str | None,
    csv_url: str,
    problems: Sequence[Problem] = (),
) -> str:
    return render(
        lang,
        "console_registry.html",
        staff=staff,
        csrf=csrf,
        query=query,
        page=page,
        registrar=staff.has(StaffRole.REGISTRAR),
        actions=[
            ("suspend", "c.action.suspend"),
            ("revoke", "c.action.revoke"),
            ("reinstate", "c.action.reinstate"),
            ("sign", "c.action.sign"),
        ],
        states=[s.value for s in RecordState],
        next_url=next_url,
        csv_url=csv_url,
        problems=problems,
        title_of=_title_of(lang),
    )


def record(
    lang: str,
    staff: Staff,
    csrf: str,
    view: RecordView,
    chain: ChainState,
    *,
    message: str = "",
    alert: bool = False,
) -> str:
    try:
        summary = shapes.summary(MicroCredentialClaims.model_validate(view.claims), lang)
    except ValidationError:  # stored under an older model: show what the list shows
        summary = {"learner": view.item.learner_name, "learnerId": view.item.learner_identifier}
    return render(
        lang,
        "console_record.html",
        staff=staff,
        csrf=csrf,
        view=view,
        content=content_list(lang, summary),
        title_of=_title_of(lang),
        chain=chain,
        registrar=staff.has(StaffRole.REGISTRAR),
        signable=view.item.state == RecordState.APPROVED.value
        or (view.item.state == RecordState.PREPARED.value and not chain.approval_required),
        status_actions=_STATUS_ACTIONS.get(view.item.state, ()),
        offerable=view.item.state in _OFFERABLE,
        message=message,
        alert=alert,
    )


_OFFERABLE = (RecordState.ISSUED.value, RecordState.APPROVED.value, RecordState.PREPARED.value)
_STATUS_ACTIONS = {
    RecordState.ISSUED.value: ("suspend", "revoke"),
    RecordState.SUSPENDED.value: ("reinstate", "revoke"),
}


def offer(lang: str, staff: Staff, csrf: str, created: OfferCreated) -> str:
    return render(
        lang,
        "console_offer.html",
        staff=staff,
        csrf=csrf,
        offer=created,
        qr=Markup(created.qr_svg),
    )


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    role: str
    state: str
    last_used_at: datetime | None
    expires_at: datetime | None


def tokens(
    lang: str,
    staff: Staff,
    csrf: str,
    infos: Sequence[TokenInfo],
    *,
    created: CreatedToken | None = None,
    message: str = "",
) -> str:
    now = datetime.now(UTC)
    rows = [
        TokenRow(i.id, i.name, i.role, i.state(now), i.last_used_at, i.expires_at) for i in infos
    ]
    return render(
        lang,
        "console_tokens.html",
        staff=staff,
        csrf=csrf,
        tokens=rows,
        created=created,
        message=message,
        admin=staff.has(StaffRole.ADMINISTRATOR),
    )


def approvals(
    lang: str, staff: Staff, csrf: str, items: Sequence[QueueItem], *, configured: bool
) -> str:
    return render(
        lang,
        "console_approvals.html",
        staff=staff,
        csrf=csrf,
        items=items,
        configured=configured,
        title_of=_title_of(lang),
    )


# The form's fields are named like the CSV import's columns (docs/csv-format.md), so one
# conversion (csv_import.row_from_cells) and one validation serve both.
_FIELDS = (
    "idempotency_key",
    "learner_given_name",
    "learner_family_name",
    "learner_date_of_birth",
    "learner_id",
    "learner_id_type",
    "learner_did",
    "title@en",
    "issuer_countries",
    "awarding_body_name@en",
    "awarding_body_locality",
    "awarding_body_country",
    "awarding_body_legal_status",
    "date_of_issuing",
    "ects",
    "certified_hours",
    "eqf",
    "participation_form",
    "grade",
)
_LISTS = ("assessment_types", "qa_types")


def form_values(form: Mapping[str, Any], lists: Mapping[str, list[str]]) -> dict[str, str]:
    """What the prepare form sent, as CSV cells: lists joined with ``|``, the outcomes one
    per line; fields the form does not have are dropped."""
    values = {name: str(form.get(name, "")).strip()[:2000] for name in _FIELDS}
    for name in _LISTS:
        values[name] = "|".join(v.strip() for v in lists.get(name, []) if v.strip())
    outcomes = str(form.get("outcomes", ""))[:20000]
    values["outcomes"] = outcomes
    values["outcome@en"] = "|".join(
        line.strip().replace("|", "/") for line in outcomes.splitlines() if line.strip()
    )
    return values


def prepare_defaults(identity: InstitutionIdentity) -> dict[str, str]:
    """A new form: the institution as the awarding body, today, a fresh idempotency key
    (a form sent twice stores one record)."""
    return {
        "idempotency_key": f"console-{uuid.uuid4()}",
        "issuer_countries": identity.country,
        "awarding_body_name@en": identity.name,
        "awarding_body_country": identity.country,
        "awarding_body_legal_status": identity.legal_status,
        "date_of_issuing": datetime.now(UTC).date().isoformat(),
        "learner_id_type": vocab.LearnerIdType.STUDENT_NUMBER.value,
    }


def prepare(
    lang: str,
    staff: Staff,
    csrf: str,
    values: Mapping[str, str],
    problems: Sequence[Problem] = (),
) -> str:
    def coded(field: str, members: Iterable[StrEnum]) -> list[tuple[str, str]]:
        return [(m.value, labels.value(lang, field, m.value)) for m in members]

    options = {
        "id_types": [(m.value, m.value.replace("-", " ")) for m in vocab.LearnerIdType],
        "legal": [(m.value, m.value.replace("-", " ")) for m in vocab.LegalStatus],
        "assessment": coded("assessment", vocab.AssessmentType),
        "participation": coded("participation", vocab.ParticipationForm),
        "qa": coded("qualityAssurance", vocab.QualityAssuranceType),
    }
    return render(
        lang,
        "console_prepare.html",
        staff=staff,
        csrf=csrf,
        values=values,
        problems=problems,
        options=options,
    )


def uploads(
    lang: str, staff: Staff, csrf: str, recent: Sequence[Upload], *, message: str = ""
) -> str:
    """The upload form and the member's recent uploads."""
    return render(
        lang, "console_uploads.html", staff=staff, csrf=csrf, recent=recent, message=message
    )


def upload(lang: str, staff: Staff, csrf: str, shown: Upload, rows: Sequence[RowView]) -> str:
    """An upload's preview (what each row would become), its progress, or its summary."""
    return render(
        lang,
        "console_upload.html",
        staff=staff,
        csrf=csrf,
        upload=shown,
        rows=rows,
        title_of=_title_of(lang),
    )


def bulk(
    lang: str,
    staff: Staff,
    csrf: str,
    action: str,
    outcomes: Sequence[BulkOutcome],
    *,
    problems: Sequence[Problem] = (),
) -> str:
    """What a bulk action did to each selected record (or why it could not run)."""
    return render(
        lang,
        "console_bulk.html",
        staff=staff,
        csrf=csrf,
        action=action,
        outcomes=outcomes,
        done=sum(o.ok for o in outcomes),
        problems=problems,
    )


def learners(
    lang: str,
    staff: Staff,
    csrf: str,
    accounts: Sequence[Account],
    *,
    q: str,
    limit: int,
    message: str = "",
    alert: bool = False,
    values: Mapping[str, str],
) -> str:
    """Learner accounts found by ``q`` (the newest ``limit``), the provisioning form."""
    return render(
        lang,
        "console_learners.html",
        staff=staff,
        csrf=csrf,
        accounts=accounts,
        q=q,
        more=len(accounts) >= limit,
        message=message,
        alert=alert,
        values=values,
    )


def institution(
    lang: str,
    staff: Staff,
    csrf: str,
    identity: InstitutionIdentity,
    profile: RequirementProfile,
    stages: Sequence[ApprovalStage],
    *,
    required: bool,
) -> str:
    """The institution's requirement profile and approval chain, as configured."""
    return render(
        lang,
        "console_institution.html",
        staff=staff,
        csrf=csrf,
        identity=identity,
        profile=profile,
        required_elements=sorted(profile.required_elements),
        eqf_levels=sorted(profile.allowed_eqf_levels),
        stages=stages,
        required=required,
    )


def network(
    lang: str,
    staff: Staff,
    csrf: str,
    state: NetworkState | None,
    members: Sequence[MemberInfo],
    proposals: Sequence[Mapping[str, Any]],
    *,
    own_member: int | None,
    can_vote: bool,
    problem: str | None,
    message: str = "",
    alert: bool = False,
) -> str:
    """The network's members and proposals; vote buttons for those who speak for the
    institution, on open proposals."""
    return render(
        lang,
        "console_network.html",
        staff=staff,
        csrf=csrf,
        state=state,
        members=members,
        proposals=proposals,
        own_member=own_member,
        can_vote=can_vote,
        problem=problem,
        message=message,
        alert=alert,
        since=lambda ts: datetime.fromtimestamp(ts, UTC),
    )


CATALOGUE_EDITORS = (StaffRole.COMMITTEE, StaffRole.REGISTRAR)
_OUTCOMES = {
    "created": gettext_noop("created (a draft)"),
    "published": gettext_noop("published"),
    "skipped": gettext_noop("skipped: imported before"),
    "rejected": gettext_noop("rejected"),
}
_STATES = {
    "draft": gettext_noop("draft"),
    "published": gettext_noop("published"),
    "withdrawn": gettext_noop("withdrawn"),
}


def catalogue(
    lang: str,
    staff: Staff,
    csrf: str,
    entries: Sequence[Entry],
    *,
    outcomes: Sequence[Imported] = (),
    message: str = "",
) -> str:
    """The institution's entries (drafts included); programme committees and registrars
    publish, withdraw and import."""
    gettext = translator(lang).gettext
    rows = []
    for entry in entries:
        latest = entry.versions[-1]
        anchor = latest.anchor if latest.anchor is not None else None
        offered = entry.current
        rows.append(
            {
                "id": entry.id,
                "title": latest.title(lang),
                "versions": [{"number": v.number, "state": v.state.value} for v in entry.versions],
                "offered": offered.number if offered else None,
                "draft": entry.draft.number if entry.draft else None,
                "anchor": gettext(_ANCHOR_STATES[anchor.state]) if anchor else "–",
            }
        )
    counts = {name: sum(1 for o in outcomes if o.outcome == name) for name in _OUTCOMES}
    return render(
        lang,
        "console_catalogue.html",
        staff=staff,
        csrf=csrf,
        entries=rows,
        editor=staff.has(*CATALOGUE_EDITORS),
        outcomes=outcomes,
        counts=counts,
        outcome_names={k: gettext(v) for k, v in _OUTCOMES.items()},
        state_names={k: gettext(v) for k, v in _STATES.items()},
        message=message,
    )


_ANCHOR_STATES = {
    "pending": gettext_noop("waiting to be anchored"),
    "submitted": gettext_noop("sent, waiting for its block"),
    "confirmed": gettext_noop("anchored"),
}


FORM_LANGUAGES = ("en", "de", "es", "fi")
_INSTRUCTION_LANGUAGES = ("en", "de", "es", "fi", "fr", "it", "sv")
_FORM_FACTS = frozenset(
    {
        *("field_of_study", "eqf_level", "ects", "certified_hours", "participation_form"),
        *("languages", "assessment_types", "start_date", "end_date", "free_start", "cycle"),
        *("keywords", "teachers", "price", "currency", "homepage"),
    }
)
FORM_FIELDS = _FORM_FACTS | {
    f"{name}@{code}" for name in ("title", "abstract", "outcome") for code in FORM_LANGUAGES
}
"""The fields the console's entry form shows, named like the import's CSV columns; an
entry's other cells travel along as hidden fields, so nothing is lost by an edit."""


def catalogue_form(
    lang: str,
    staff: Staff,
    csrf: str,
    *,
    action: str,
    heading: str,
    cells: Mapping[str, str],
    problems: Sequence[Problem] = (),
) -> str:
    split = "|"
    return render(
        lang,
        "console_catalogue_form.html",
        staff=staff,
        csrf=csrf,
        action=action,
        heading=heading,
        values=cells,
        hidden={k: v for k, v in cells.items() if k not in FORM_FIELDS},
        problems=[f"{p.element}: {p.reason}" for p in problems],
        languages=[(code, labels.language(lang, code)) for code in FORM_LANGUAGES],
        all_languages=[(code, labels.language(lang, code)) for code in _INSTRUCTION_LANGUAGES],
        chosen_languages=cells.get("languages", "").split(split),
        modes=[
            (m.value, labels.value(lang, "participation", m.value)) for m in vocab.ParticipationForm
        ],
        assessments=[
            (a.value, labels.value(lang, "assessment", a.value)) for a in vocab.AssessmentType
        ],
        chosen_assessments=cells.get("assessment_types", "").split(split),
    )
