"""The staff console's pages (/console): what each shows is decided here, the markup is in
node/web/templates/console_*.html (autoescaped, no script; the layout, CSS and languages of
:mod:`node.web.pages`). Every form that changes state carries a CSRF token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from node.credentials import render as shapes
from node.credentials.model import MicroCredentialClaims, pick
from node.db.models import MailOutbox, RecordState
from node.errors import Problem
from node.issuance.registry import RecordView, RegistryPage, RegistryQuery
from node.staff.signin import Enrolment, Staff
from node.wallet.qr import inline_svg
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
        qr=inline_svg(enrolment.uri, "TOTP"),
        next_path=next_path,
        message=message,
    )


def dashboard(
    lang: str,
    staff: Staff,
    csrf: str,
    counts: Mapping[str, int],
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
        counts=counts,
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
        states=[s.value for s in RecordState],
        next_url=next_url,
        csv_url=csv_url,
        problems=problems,
        title_of=_title_of(lang),
    )


def record(lang: str, staff: Staff, csrf: str, view: RecordView) -> str:
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
    )
