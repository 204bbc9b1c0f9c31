"""The micro-credential's credential configurations, with display texts and claim labels in
English, German, Spanish and Finnish (DESIGN.md "Wallet bridge").

The claim paths follow the node's renderings: the VCDM 2.0 Open Badges 3.0 shape for
``ldp_vc`` and the same subject inside the ``vc`` claim for ``jwt_vc_json`` (Appendix A.1.1:
paths of ``jwt_vc_json`` start at the credential, as in ``ldp_vc``).
"""

from __future__ import annotations

from collections.abc import Sequence

from wallet_bridge.metadata import (
    JWT_VC_JSON,
    LDP_VC,
    Claim,
    CredentialConfiguration,
    Display,
)

LDP_RDFC_ID = "MicroCredential_ldp_vc"
LDP_JCS_ID = "MicroCredential_ldp_vc_jcs"
JWT_VC_JSON_ID = "MicroCredential_jwt_vc_json"

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


def _claims(prefix: tuple[str, ...]) -> tuple[Claim, ...]:
    return tuple(
        Claim(path=(*prefix, _S, *path), labels=dict(zip(_LOCALES, labels, strict=True)))
        for path, *labels in _CLAIMS
    )


def issuer_display(name: str, logo_uri: str | None) -> Display:
    """The issuer's own display entry: its name in each locale (a proper name stays as is)."""
    return Display(name={locale: name for locale in _LOCALES}, logo_uri=logo_uri, logo_alt=LOGO_ALT)


def micro_credential_configurations(
    *,
    ldp_contexts: Sequence[str],
    ldp_types: Sequence[str],
    jwt_types: Sequence[str],
    logo_uri: str | None,
) -> tuple[CredentialConfiguration, ...]:
    display = Display(
        name=CREDENTIAL_DISPLAY_NAME,
        description=CREDENTIAL_DESCRIPTION,
        logo_uri=logo_uri,
        logo_alt=LOGO_ALT,
        background_color="#003399",
        text_color="#FFFFFF",
    )
    return (
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
