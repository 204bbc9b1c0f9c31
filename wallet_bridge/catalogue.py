"""The micro-credential's credential configurations, with display texts and claim labels in
English, German, Spanish and Finnish (docs/architecture.md "Wallet bridge").

The claim paths follow the node's renderings: the VCDM 2.0 Open Badges 3.0 shape for
``ldp_vc`` and the same subject inside the ``vc`` claim for ``jwt_vc_json`` (Appendix A.1.1:
paths of ``jwt_vc_json`` start at the credential, as in ``ldp_vc``); the flat claims of the
SD-JWT VC for ``dc+sd-jwt`` (Appendix A.3: paths start at the SD-JWT VC's claims), whose
type metadata (SD-JWT VC §6) is served at its ``vct`` URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wallet_bridge.metadata import (
    DC_SD_JWT,
    JWT_VC_JSON,
    LDP_VC,
    Claim,
    CredentialConfiguration,
    Display,
)

__all__ = [
    "CREDENTIAL_DESCRIPTION",
    "CREDENTIAL_DISPLAY_NAME",
    "JWT_VC_JSON_ID",
    "LDP_JCS_ID",
    "LDP_RDFC_ID",
    "LOGO_ALT",
    "SD_JWT_ID",
    "issuer_display",
    "micro_credential_configurations",
    "sd_jwt_type_metadata",
]

LDP_RDFC_ID = "MicroCredential_ldp_vc"
LDP_JCS_ID = "MicroCredential_ldp_vc_jcs"
JWT_VC_JSON_ID = "MicroCredential_jwt_vc_json"
SD_JWT_ID = "MicroCredential_dc_sd_jwt"

CREDENTIAL_DISPLAY_NAME = {
    "en": "European micro-credential",
    "de": "Europäischer Microcredential-Nachweis",
    "es": "Microcredencial europea",
    "fi": "Eurooppalainen mikrotutkinto",
}
CREDENTIAL_DESCRIPTION = {
    "en": "A micro-credential with every element of the EU Council Recommendation.",
    "de": "Ein Microcredential mit allen Elementen der Empfehlung des EU-Rates.",
    "es": "Una microcredencial con todos los elementos de la Recomendación del Consejo de la UE.",
    "fi": "Mikrotutkinto, jossa on kaikki EU:n neuvoston suosituksen osat.",
}
LOGO_ALT = {
    "en": "Logo of the issuing institution",
    "de": "Logo der ausstellenden Einrichtung",
    "es": "Logotipo de la institución emisora",
    "fi": "Myöntävän oppilaitoksen logo",
}

_S = "credentialSubject"
# (path below credentialSubject, en, de, es, fi)
_CLAIMS: tuple[tuple[tuple[str | int | None, ...], str, str, str, str], ...] = (
    (("givenName",), "Given name", "Vorname", "Nombre", "Etunimi"),
    (("familyName",), "Family name", "Nachname", "Apellidos", "Sukunimi"),
    (("dateOfBirth",), "Date of birth", "Geburtsdatum", "Fecha de nacimiento", "Syntymäaika"),
    (("achievement", "name"), "Title", "Titel", "Título", "Nimike"),
    (("achievement", "description"), "Description", "Beschreibung", "Descripción", "Kuvaus"),
    (
        ("awardingBody", None, "name"),
        "Awarding body",
        "Verleihende Stelle",
        "Entidad otorgante",
        "Myöntäjä",
    ),
    (
        ("dateOfIssuing",),
        "Date of issuing",
        "Ausstellungsdatum",
        "Fecha de emisión",
        "Myöntämispäivä",
    ),
    (("creditsEarned",), "ECTS credits", "ECTS-Punkte", "Créditos ECTS", "Opintopisteet (ECTS)"),
    (("grade",), "Grade", "Note", "Calificación", "Arvosana"),
    (
        ("achievement", "learningOutcome", None, "title"),
        "Learning outcomes",
        "Lernergebnisse",
        "Resultados de aprendizaje",
        "Osaamistavoitteet",
    ),
)
_LOCALES = ("en", "de", "es", "fi")

# The SD-JWT VC's claims (node.credentials.render.to_sd_jwt_vc): (path, selectively
# disclosable, en, de, es, fi).
_SD_CLAIMS: tuple[tuple[tuple[str | int | None, ...], bool, str, str, str, str], ...] = (
    (("given_name",), True, "Given name", "Vorname", "Nombre", "Etunimi"),
    (("family_name",), True, "Family name", "Nachname", "Apellidos", "Sukunimi"),
    (("birthdate",), True, "Date of birth", "Geburtsdatum", "Fecha de nacimiento", "Syntymäaika"),
    (
        ("learner_identifier",),
        True,
        "Learner identifier",
        "Kennung der lernenden Person",
        "Identificador del estudiante",
        "Opiskelijan tunniste",
    ),
    (("achievement_title",), False, "Title", "Titel", "Título", "Nimike"),
    (
        ("issuing_authority",),
        False,
        "Issuing institution",
        "Ausstellende Einrichtung",
        "Institución emisora",
        "Myöntävä oppilaitos",
    ),
    (
        ("issuing_country",),
        False,
        "Country of the issuer",
        "Land der ausstellenden Stelle",
        "País del emisor",
        "Myöntäjän maa",
    ),
    (
        ("awarding_body", None, "name"),
        False,
        "Awarding body",
        "Verleihende Stelle",
        "Entidad otorgante",
        "Myöntäjä",
    ),
    (
        ("date_of_issuance",),
        False,
        "Date of issuing",
        "Ausstellungsdatum",
        "Fecha de emisión",
        "Myöntämispäivä",
    ),
    (
        ("learning_outcomes", None),
        False,
        "Learning outcomes",
        "Lernergebnisse",
        "Resultados de aprendizaje",
        "Osaamistavoitteet",
    ),
    (
        ("ects_points",),
        False,
        "ECTS credits",
        "ECTS-Punkte",
        "Créditos ECTS",
        "Opintopisteet (ECTS)",
    ),
    (("eqf_level",), False, "EQF level", "EQR-Niveau", "Nivel del MEC", "EQF-taso"),
    (
        ("qf_ehea_cycle",),
        False,
        "QF-EHEA cycle",
        "QR-EHR-Zyklus",
        "Ciclo del MC-EEES",
        "QF-EHEA-sykli",
    ),
    (("nqf_level",), False, "NQF level", "DQR-Niveau", "Nivel del MNC", "Kansallinen taso"),
    (
        ("assessment_type", None),
        False,
        "Type of assessment",
        "Art der Prüfung",
        "Tipo de evaluación",
        "Arviointitapa",
    ),
    (
        ("participation_form",),
        False,
        "Form of participation",
        "Form der Teilnahme",
        "Forma de participación",
        "Osallistumismuoto",
    ),
    (
        ("quality_assurance", None),
        False,
        "Quality assurance",
        "Qualitätssicherung",
        "Garantía de calidad",
        "Laadunvarmistus",
    ),
    (("grade",), True, "Grade", "Note", "Calificación", "Arvosana"),
)


def _claims(prefix: tuple[str, ...]) -> tuple[Claim, ...]:
    return tuple(
        Claim(path=(*prefix, _S, *path), labels=dict(zip(_LOCALES, labels, strict=True)))
        for path, *labels in _CLAIMS
    )


def _sd_claims() -> tuple[Claim, ...]:
    return tuple(
        Claim(path=path, labels=dict(zip(_LOCALES, labels, strict=True)))
        for path, _sd, *labels in _SD_CLAIMS
    )


def sd_jwt_type_metadata(vct: str, logo_uri: str | None) -> dict[str, Any]:
    """SD-JWT VC Type Metadata (SD-JWT VC §6) served at ``vct``: display names and claim
    labels in each locale, and which claims the holder may withhold (``sd``)."""
    display = []
    for locale in _LOCALES:
        entry: dict[str, Any] = {
            "locale": locale,
            "name": CREDENTIAL_DISPLAY_NAME[locale],
            "description": CREDENTIAL_DESCRIPTION[locale],
        }
        simple: dict[str, Any] = {"background_color": "#003399", "text_color": "#FFFFFF"}
        if logo_uri is not None:
            simple["logo"] = {"uri": logo_uri, "alt_text": LOGO_ALT[locale]}
        entry["rendering"] = {"simple": simple}
        display.append(entry)
    claims = [
        {
            "path": list(path),
            "display": [
                {"locale": locale, "label": label}
                for locale, label in zip(_LOCALES, labels, strict=True)
            ],
            "sd": "allowed" if selective else "always",
        }
        for path, selective, *labels in _SD_CLAIMS
    ]
    return {
        "vct": vct,
        "name": CREDENTIAL_DISPLAY_NAME["en"],
        "description": CREDENTIAL_DESCRIPTION["en"],
        "display": display,
        "claims": claims,
    }


def issuer_display(name: str, logo_uri: str | None) -> Display:
    """The issuer's own display entry: its name in each locale (a proper name stays as is)."""
    return Display(name={locale: name for locale in _LOCALES}, logo_uri=logo_uri, logo_alt=LOGO_ALT)


def micro_credential_configurations(
    *,
    ldp_contexts: Sequence[str],
    ldp_types: Sequence[str],
    jwt_types: Sequence[str],
    logo_uri: str | None,
    vct: str | None = None,
) -> tuple[CredentialConfiguration, ...]:
    """The configurations of every format; ``dc+sd-jwt`` when its ``vct`` is given."""
    display = Display(
        name=CREDENTIAL_DISPLAY_NAME,
        description=CREDENTIAL_DESCRIPTION,
        logo_uri=logo_uri,
        logo_alt=LOGO_ALT,
        background_color="#003399",
        text_color="#FFFFFF",
    )
    configurations = (
        CredentialConfiguration(
            id=LDP_RDFC_ID,
            format=LDP_VC,
            types=tuple(ldp_types),
            contexts=tuple(ldp_contexts),
            signing_algs=("eddsa-rdfc-2022",),
            display=display,
            claims=_claims(()),
        ),
        CredentialConfiguration(
            id=LDP_JCS_ID,
            format=LDP_VC,
            types=tuple(ldp_types),
            contexts=tuple(ldp_contexts),
            signing_algs=("eddsa-jcs-2022",),
            display=display,
            claims=_claims(()),
        ),
        CredentialConfiguration(
            id=JWT_VC_JSON_ID,
            format=JWT_VC_JSON,
            types=tuple(jwt_types),
            signing_algs=("ES256",),
            display=display,
            claims=_claims(()),
        ),
    )
    if vct is None:
        return configurations
    sd_jwt = CredentialConfiguration(
        id=SD_JWT_ID,
        format=DC_SD_JWT,
        types=(),
        signing_algs=("ES256",),
        display=display,
        claims=_sd_claims(),
        vct=vct,
    )
    return (*configurations, sd_jwt)
