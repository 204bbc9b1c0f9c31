"""A catalogue version as ELM 3 Learning Opportunity JSON-LD, and as a schema.org ``Course``.

:func:`learning_opportunity` renders a version document (``id``, ``entry``, ``version``,
``publishedAt``, ``institution``, ``content``: a :class:`~node.catalogue.model.CatalogueContent`
dumped as camelCase JSON) as the European Learning Model's *Learning Opportunity* — what
Europass and the Qualifications Dataset Register ingest as course catalogues (the LOQ
application profile; its SHACL shapes are ``LOQ-constraints.ttl``).

Context: the output carries a small inline context (:data:`CONTEXT`), not the EDC context
``http://data.europa.eu/snb/model/context/edc-ap``. That context is the credential profile's: it
has no term for ``elm:defaultLanguage`` (which LOQ requires of every opportunity) and maps
``value`` to ``elm:value`` where LOQ's ``Amount`` wants ``rdf:value``. The inline context uses
the EDC context's term names wherever that context has the property (``thematicArea``,
``dcType``, ``contentURL``, …), so the JSON reads like other ELM JSON-LD, and it expands offline
(no context to fetch).

The mapping (ELM classes and properties; ``#…`` nodes get IRIs ``<version id>#…``):

* ``elm:LearningOpportunity`` (the version's URL): ``dc:title`` ← title, ``dc:description`` ←
  abstract, ``adms:identifier`` (``elm:Identifier``) ← the entry's URL (stable across versions),
  ``foaf:homepage`` (``elm:WebResource``) ← homepage (else the version's own page; LOQ requires
  one), ``elm:defaultLanguage`` ← the first language of instruction the title is given in,
  ``elm:mode`` ← participation form (the ELM modes of learning and assessment),
  ``dc:temporal`` (``dc:PeriodOfTime``: ``elm:startDate``, ``elm:endDate``, ``skos:prefLabel`` ←
  cycle), ``elm:duration`` ← estimated duration, ``elm:learningSchedule`` ← form of study (full
  time; ELM knows only "part time light" and "part time intensive", so part time becomes a note),
  ``elm:scheduleInformation`` ← distribution of learning hours, ``elm:priceDetail``
  (``elm:PriceDetail`` with ``elm:amount``: ``elm:Amount``, ``elm:unit`` currency, ``rdf:value``)
  ← costs, ``elm:providedBy`` and ``dc:publisher`` ← the institution, ``dc:modified`` ←
  publishedAt.
* ``elm:Organisation`` (the institution's DID): ``rov:legalName``, ``foaf:homepage``,
  ``elm:location`` (``dc:Location`` → ``elm:address``: ``elm:Address`` with
  ``elm:countryCode``); the faculty is an ``org:hasSubOrganization`` of it.
* ``elm:LearningAchievementSpecification`` (``#spec``): ``dc:title``, ``elm:ISCEDFCode`` ← field
  of study, ``elm:educationLevel`` ← EQF level, ``elm:creditPoint`` (``elm:CreditPoint``: ECTS
  ``elm:framework``, ``elm:point``) ← ECTS, ``elm:volumeOfLearning`` ← certified hours,
  ``dc:language`` ← languages, ``elm:learningOutcome`` (``elm:LearningOutcome``: ``dc:title``,
  ``elm:relatedESCOSkill``), ``elm:targetGroup`` ← target groups, ``elm:entryRequirement`` ←
  entry requirements, ``elm:category`` ← keywords, ``elm:provenBy`` → the assessment.
* ``elm:LearningAssessmentSpecification`` (``#assessment``): ``dc:type`` ← assessment types,
  ``dc:description`` ← assessment strategy and methods.
* ``elm:LearningActivitySpecification`` (``#activity``, when there is something to say):
  ``elm:contactHour`` ← academic hours, ``elm:mode`` ← modality, ``dc:description`` ←
  pedagogical approach, ``dc:language``.
* ``elm:Note`` (``elm:noteLiteral``) as ``elm:additionalNote``, its ``dc:subject`` naming the
  DP 6.1 field, for what ELM has no property for: teachers, short bio, industry support, free
  start, part-time study (on the opportunity); main topics, target group description,
  credentials issued, credential requirements, stackability links (on the specification);
  delivery type (on the activity); assessed by, supervision and ID verification (on the
  assessment).

Concepts are ``skos:Concept`` nodes with their ``skos:inScheme``: the EU authority tables
(languages, countries, currencies), the ELM lists (EQF, ISCED-F, credit systems, modes, learning
schedules), and the project's own schemes (:func:`node.credentials.vocab.concept_iri`, with an
English ``skos:prefLabel``) where no EU list has the code; the subjects of the notes form the
project scheme :data:`FIELD_SCHEME`. ESCO skills go without a scheme (see :func:`_outcome`).
ELM text is language-tagged: language maps stay maps, and the plain texts (the institution's
name, teachers, keywords, cycle) carry the opportunity's default language. The document's
``version`` number has no LOQ property; the version's IRI stands for it.

:func:`schema_org_course` renders the same document as a schema.org ``Course`` in one language,
for the HTML page. Both functions are pure.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from node.credentials import vocab
from node.credentials.model import pick

Node = dict[str, Any]

ELM: Final = "http://data.europa.eu/snb/model/elm/"
SNB: Final = "http://data.europa.eu/snb/"
CURRENCY_BASE: Final = "http://publications.europa.eu/resource/authority/currency/"
# Codes of ELM lists. ECTS, online and blended are those of the Commission's own sample
# micro-credential; face-to-face and full time are taken from the lists themselves.
ECTS: Final = f"{SNB}education-credit/6fcec5c5af"
FULL_TIME: Final = f"{SNB}learning-schedule/72a0ab92fa"
# "Modes of learning and assessment": online, face-to-face, blended.
MODES: Final[dict[str, str]] = {
    vocab.ParticipationForm.ONLINE: f"{SNB}learning-assessment/920fbb3cbe",
    vocab.ParticipationForm.ONSITE: f"{SNB}learning-assessment/9191af2ed9",
    vocab.ParticipationForm.BLENDED: f"{SNB}learning-assessment/e92d221e4d",
}

FIELD_SCHEME: Final = f"{vocab.VOCAB_BASE}catalogue-field"
"""The project's scheme of DP 6.1 fields, the ``dc:subject`` of the notes; codes are the
content's JSON names."""
FIELD_LABELS: Final[dict[str, str]] = {
    "teachers": "Teachers",
    "shortBio": "Short bio of the teachers",
    "industrySupport": "Industry support",
    "freeStart": "Free start",
    "formOfStudy": "Form of study",
    "mainTopics": "Main topics",
    "targetGroupDescription": "Target group",
    "credentialsIssued": "Credentials issued",
    "credentialRequirements": "Requirements for the credentials",
    "stackableTowards": "Stackable towards",
    "delivery": "Delivery type",
    "assessedBy": "Assessed by",
    "supervisionVerification": "Learner authentication and ID verification",
}


def _link(iri: str) -> dict[str, str]:
    return {"@id": iri, "@type": "@id"}


def _text(iri: str) -> dict[str, str]:
    return {"@id": iri, "@container": "@language"}


def _typed(iri: str, datatype: str) -> dict[str, str]:
    return {"@id": iri, "@type": datatype}


CONTEXT: Final[dict[str, Any]] = {
    "id": "@id",
    "type": "@type",
    "elm": ELM,
    "dc": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rov": "http://www.w3.org/ns/regorg#",
    "org": "http://www.w3.org/ns/org#",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    # classes
    "LearningOpportunity": "elm:LearningOpportunity",
    "LearningAchievementSpecification": "elm:LearningAchievementSpecification",
    "LearningActivitySpecification": "elm:LearningActivitySpecification",
    "LearningAssessmentSpecification": "elm:LearningAssessmentSpecification",
    "LearningOutcome": "elm:LearningOutcome",
    "Organisation": "elm:Organisation",
    "Location": "dc:Location",
    "Address": "elm:Address",
    "WebResource": "elm:WebResource",
    "Identifier": "elm:Identifier",
    "Note": "elm:Note",
    "PeriodOfTime": "dc:PeriodOfTime",
    "PriceDetail": "elm:PriceDetail",
    "Amount": "elm:Amount",
    "CreditPoint": "elm:CreditPoint",
    "Concept": "skos:Concept",
    "ConceptScheme": "skos:ConceptScheme",
    # language-tagged texts
    "title": _text("dc:title"),
    "description": _text("dc:description"),
    "prefLabel": _text("skos:prefLabel"),
    "legalName": _text("rov:legalName"),
    "noteLiteral": _text("elm:noteLiteral"),
    "category": _text("elm:category"),
    # links to nodes
    "additionalNote": _link("elm:additionalNote"),
    "address": _link("elm:address"),
    "amount": _link("elm:amount"),
    "countryCode": _link("elm:countryCode"),
    "creditPoint": _link("elm:creditPoint"),
    "dcType": _link("dc:type"),
    "defaultLanguage": _link("elm:defaultLanguage"),
    "educationLevel": _link("elm:educationLevel"),
    "entryRequirement": _link("elm:entryRequirement"),
    "framework": _link("elm:framework"),
    "hasSubOrganization": _link("org:hasSubOrganization"),
    "homepage": _link("foaf:homepage"),
    "identifier": _link("adms:identifier"),
    "inScheme": _link("skos:inScheme"),
    "language": _link("dc:language"),
    "learningAchievementSpecification": _link("elm:learningAchievementSpecification"),
    "learningActivitySpecification": _link("elm:learningActivitySpecification"),
    "learningOutcome": _link("elm:learningOutcome"),
    "learningSchedule": _link("elm:learningSchedule"),
    "location": _link("elm:location"),
    "mode": _link("elm:mode"),
    "priceDetail": _link("elm:priceDetail"),
    "provenBy": _link("elm:provenBy"),
    "providedBy": _link("elm:providedBy"),
    "publisher": _link("dc:publisher"),
    "relatedESCOSkill": _link("elm:relatedESCOSkill"),
    "scheduleInformation": _link("elm:scheduleInformation"),
    "subOrganizationOf": _link("org:subOrganizationOf"),
    "subject": _link("dc:subject"),
    "targetGroup": _link("elm:targetGroup"),
    "temporal": _link("dc:temporal"),
    "thematicArea": _link("elm:ISCEDFCode"),
    "unit": _link("elm:unit"),
    # literals
    "contactHour": "elm:contactHour",
    "contentURL": _typed("elm:contentUrl", "xsd:anyURI"),
    "duration": _typed("elm:duration", "xsd:duration"),
    "endDate": _typed("elm:endDate", "xsd:dateTime"),
    "modified": _typed("dc:modified", "xsd:dateTime"),
    "notation": "skos:notation",
    "point": "elm:point",
    "schemeName": "elm:schemeName",
    "startDate": _typed("elm:startDate", "xsd:dateTime"),
    "value": _typed("rdf:value", "xsd:decimal"),
    "volumeOfLearning": _typed("elm:volumeOfLearning", "xsd:duration"),
}


# ---- ELM ---------------------------------------------------------------------------------


def learning_opportunity(document: dict[str, Any]) -> dict[str, Any]:
    """The ELM 3 Learning Opportunity (LOQ profile) of a catalogue version document."""
    base: str = document["id"]
    content: dict[str, Any] = copy.deepcopy(document["content"])  # the output shares no dict
    lang = default_language(content)
    institution = document["institution"]
    opportunity: Node = {
        "@context": CONTEXT,
        "id": base,
        "type": "LearningOpportunity",
        "title": content["title"],
        "description": content["abstract"],
        "identifier": {
            "id": f"{base}#entry",
            "type": "Identifier",
            "notation": document["entry"],
            "schemeName": "catalogue entry",
        },
        "homepage": _web_resource(f"{base}#homepage", _homepage(content, base)),
        "defaultLanguage": _eu_concept(vocab.language_iri(lang)),
        "mode": _eu_concept(MODES[content["participationForm"]]),
        "providedBy": _organisation(institution, base, lang, content.get("faculty")),
        "publisher": institution["id"],
        "learningAchievementSpecification": _specification(content, base, lang),
        "modified": document["publishedAt"],
    }
    _put(opportunity, "temporal", _temporal(content, base, lang))
    _put(opportunity, "duration", content.get("estimatedDuration"))
    if content.get("formOfStudy") == "full-time":
        opportunity["learningSchedule"] = _eu_concept(FULL_TIME)
    if schedule := content.get("learningHoursDistribution"):
        opportunity["scheduleInformation"] = _note(f"{base}#schedule", schedule)
    _put(opportunity, "priceDetail", _price(content.get("costs"), base))
    _put(opportunity, "learningActivitySpecification", _activity(content, base))
    _put(opportunity, "additionalNote", _opportunity_notes(content, base, lang))
    return opportunity


def default_language(content: dict[str, Any]) -> str:
    """The ISO 639-1 code of the opportunity's default language: the first language of
    instruction the title is given in, else the first language of instruction."""
    titled = {tag.split("-")[0].lower() for tag in content["title"]}
    languages: list[str] = content["languages"]
    return next((code for code in languages if code in titled), languages[0])


def _homepage(content: dict[str, Any], base: str) -> str:
    homepage = content.get("homepage")
    return homepage if homepage and _is_web_url(homepage) else base


def _organisation(
    institution: dict[str, Any], base: str, lang: str, faculty: dict[str, str] | None
) -> Node:
    location_id = f"{base}#provider-location"
    organisation: Node = {
        "id": institution["id"],
        "type": "Organisation",
        "legalName": _lang_map(institution["name"], lang),
        "location": {
            "id": location_id,
            "type": "Location",
            "address": {
                "id": f"{base}#provider-address",
                "type": "Address",
                "countryCode": _eu_concept(vocab.country_iri(institution["country"])),
            },
        },
    }
    homepage = institution.get("homepage")
    if homepage and _is_web_url(homepage):
        organisation["homepage"] = _web_resource(f"{base}#provider-homepage", homepage)
    if faculty:
        organisation["hasSubOrganization"] = {
            "id": f"{base}#faculty",
            "type": "Organisation",
            "legalName": faculty,
            "location": location_id,
            "subOrganizationOf": institution["id"],
        }
    return organisation


def _specification(content: dict[str, Any], base: str, lang: str) -> Node:
    spec: Node = {
        "id": f"{base}#spec",
        "type": "LearningAchievementSpecification",
        "title": content["title"],
        "thematicArea": _eu_concept(vocab.isced_f_iri(content["fieldOfStudy"])),
        "educationLevel": _eu_concept(vocab.eqf_iri(content["eqfLevel"])),
        "language": _languages(content),
        "learningOutcome": [
            _outcome(outcome, f"{base}#lo-{number}")
            for number, outcome in enumerate(content["learningOutcomes"], start=1)
        ],
        "provenBy": _assessment(content, base),
    }
    workload = content["workload"]
    if "ects" in workload:
        spec["creditPoint"] = {
            "id": f"{base}#credit",
            "type": "CreditPoint",
            "framework": _eu_concept(ECTS),
            "point": _number(workload["ects"]),
        }
    if "certifiedHours" in workload:
        spec["volumeOfLearning"] = hours_duration(workload["certifiedHours"])
    groups = [vocab.TargetGroup(group) for group in content.get("targetGroups", [])]
    _put(spec, "targetGroup", [_own_concept(group) for group in groups])
    if requirements := content.get("entryRequirements"):
        spec["entryRequirement"] = _note(f"{base}#entry-requirements", requirements)
    if keywords := content.get("keywords"):
        spec["category"] = {lang: list(keywords)}
    stackable = content.get("stackableTowards")
    notes = [
        _field_note(base, "mainTopics", content.get("mainTopics")),
        _field_note(base, "targetGroupDescription", content.get("targetGroupDescription")),
        _field_note(base, "credentialsIssued", content.get("credentialsIssued")),
        _field_note(base, "credentialRequirements", content.get("credentialRequirements")),
        _field_note(base, "stackableTowards", {lang: "\n".join(stackable)} if stackable else None),
    ]
    _put(spec, "additionalNote", [note for note in notes if note])
    return spec


def _outcome(outcome: dict[str, Any], node_id: str) -> Node:
    node: Node = {"id": node_id, "type": "LearningOutcome", "title": outcome["text"]}
    skills = outcome.get("escoSkills", [])
    # No skos:inScheme: the LOQ vocabulary shapes (LOQ-constraints-mdr.ttl) want a scheme IRI
    # starting https://ec.europa.eu/esco/skill/, which no ESCO scheme has.
    _put(node, "relatedESCOSkill", [_concept(skill) for skill in skills])
    return node


def _assessment(content: dict[str, Any], base: str) -> Node:
    types = [vocab.AssessmentType(code) for code in content["assessmentTypes"]]
    assessment: Node = {
        "id": f"{base}#assessment",
        "type": "LearningAssessmentSpecification",
        "title": {"en": "Assessment: " + ", ".join(vocab.label(kind) for kind in types)},
        "dcType": [_own_concept(kind) for kind in types],
    }
    _put(assessment, "description", content.get("assessmentDescription"))
    notes = [
        _code_note(base, "assessedBy", content.get("assessedBy")),
        _code_note(base, "supervisionVerification", content.get("supervisionVerification")),
    ]
    _put(assessment, "additionalNote", [note for note in notes if note])
    return assessment


def _activity(content: dict[str, Any], base: str) -> Node | None:
    hours = content.get("academicHours")
    modality = [vocab.Modality(code) for code in content.get("modality", [])]
    approach = content.get("pedagogicalApproach")
    delivery = _code_note(base, "delivery", content.get("delivery"))
    if hours is None and not modality and not approach and not delivery:
        return None
    activity: Node = {
        "id": f"{base}#activity",
        "type": "LearningActivitySpecification",
        "title": content["title"],
        "language": _languages(content),
    }
    _put(activity, "description", approach)
    if hours is not None:
        activity["contactHour"] = _number(hours)
    _put(activity, "mode", [_own_concept(code) for code in modality])
    _put(activity, "additionalNote", [delivery] if delivery else None)
    return activity


def _temporal(content: dict[str, Any], base: str, lang: str) -> Node | None:
    period: Node = {}
    if cycle := content.get("cycle"):
        period["prefLabel"] = {lang: cycle}
    if start := content.get("startDate"):
        period["startDate"] = f"{start}T00:00:00"
    if end := content.get("endDate"):
        period["endDate"] = f"{end}T23:59:59"  # the last day of learning, whole
    if not period:
        return None
    return {"id": f"{base}#period", "type": "PeriodOfTime", **period}


def _price(costs: dict[str, Any] | None, base: str) -> Node | None:
    if costs is None:
        return None
    price: Node = {
        "id": f"{base}#price",
        "type": "PriceDetail",
        "amount": {
            "id": f"{base}#price-amount",
            "type": "Amount",
            "unit": _eu_concept(f"{CURRENCY_BASE}{costs['currency']}"),
            "value": _number(costs["amount"]),
        },
    }
    _put(price, "description", costs.get("description"))
    return price


def _opportunity_notes(content: dict[str, Any], base: str, lang: str) -> list[Node]:
    teachers = content.get("teachers")
    free_start = {"en": "Learners may start at any time."} if content.get("freeStart") else None
    notes = [
        _field_note(base, "teachers", {lang: ", ".join(teachers)} if teachers else None),
        _field_note(base, "shortBio", content.get("shortBio")),
        _field_note(base, "industrySupport", content.get("industrySupport")),
        _field_note(base, "freeStart", free_start),
    ]
    if content.get("formOfStudy") == "part-time":
        notes.append(_field_note(base, "formOfStudy", {"en": "part time"}))
    return [note for note in notes if note]


# ---- ELM nodes ----------------------------------------------------------------------------


def _concept(iri: str, scheme: str | None = None, label: str | None = None) -> Node:
    concept: Node = {"id": iri, "type": "Concept"}
    if scheme:
        concept["inScheme"] = {"id": scheme, "type": "ConceptScheme"}
    if label:
        concept["prefLabel"] = {"en": label}
    return concept


def _eu_concept(iri: str) -> Node:
    """A concept of an ELM list (scheme ``<list>/25831c2``) or of an EU authority table
    (scheme: the table's IRI)."""
    table = iri.rsplit("/", 1)[0]
    return _concept(iri, f"{table}/25831c2" if iri.startswith(SNB) else table)


def _own_concept(member: StrEnum) -> Node:
    return _concept(vocab.concept_iri(member), vocab.scheme_iri(type(member)), vocab.label(member))


def _languages(content: dict[str, Any]) -> list[Node]:
    return [_eu_concept(vocab.language_iri(code)) for code in content["languages"]]


def _web_resource(node_id: str, url: str) -> Node:
    return {"id": node_id, "type": "WebResource", "contentURL": url}


def _note(node_id: str, text: dict[str, str]) -> Node:
    return {"id": node_id, "type": "Note", "noteLiteral": text}


def _field_note(base: str, field: str, text: dict[str, str] | None) -> Node | None:
    """An additional note whose subject is the DP 6.1 field it carries."""
    if not text:
        return None
    note = _note(f"{base}#note-{field}", text)
    note["subject"] = _concept(f"{FIELD_SCHEME}/{field}", FIELD_SCHEME, FIELD_LABELS[field])
    return note


def _code_note(base: str, field: str, code: str | None) -> Node | None:
    """A note of a code without an ELM list, in English (``self-learning`` → ``self learning``)."""
    return _field_note(base, field, {"en": code.replace("-", " ")} if code else None)


# ---- values -------------------------------------------------------------------------------


def _put(node: Node, key: str, value: Any) -> None:
    if value is not None and value != [] and value != {}:
        node[key] = value


def _lang_map(text: str | dict[str, str], lang: str) -> dict[str, str]:
    return dict(text) if isinstance(text, dict) else {lang: text}


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _number(value: float) -> str:
    """A number as an xsd:decimal/xsd:string lexical form: ``5.0`` → ``5``, ``7.5`` → ``7.5``."""
    return format(Decimal(str(value)).normalize(), "f")


def hours_duration(hours: float) -> str:
    """Hours as an xsd:duration (only seconds may have a fraction): ``12.5`` → ``PT12H30M``."""
    minutes, seconds = divmod(round(hours * 3600), 60)
    whole_hours, minutes = divmod(minutes, 60)
    parts = [f"{whole_hours}H" if whole_hours else "", f"{minutes}M" if minutes else ""]
    parts.append(f"{seconds}S" if seconds or not any(parts) else "")
    return "PT" + "".join(parts)


# ---- schema.org ---------------------------------------------------------------------------


def schema_org_course(document: dict[str, Any], lang: str) -> dict[str, Any]:
    """The schema.org ``Course`` of a catalogue version, its texts in ``lang`` (else English,
    else any), for embedding in the version's HTML page."""
    content: dict[str, Any] = document["content"]
    institution = document["institution"]
    provider: Node = {"@type": "CollegeOrUniversity", "name": _pick(institution["name"], lang)}
    _put(provider, "url", institution.get("homepage"))
    course: Node = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": document["id"],
        "url": document["id"],
        "name": pick(content["title"], lang),
        "description": pick(content["abstract"], lang),
        "provider": provider,
        "inLanguage": list(content["languages"]),
        "educationalLevel": f"EQF level {content['eqfLevel']}",
        "teaches": [pick(outcome["text"], lang) for outcome in content["learningOutcomes"]],
        "hasCourseInstance": _course_instance(content),
    }
    if "ects" in content["workload"]:
        course["numberOfCredits"] = {
            "@type": "StructuredValue",
            "value": content["workload"]["ects"],
            "unitText": "ECTS",
        }
    if credentials := content.get("credentialsIssued"):
        course["educationalCredentialAwarded"] = pick(credentials, lang)
    if requirements := content.get("entryRequirements"):
        course["coursePrerequisites"] = pick(requirements, lang)
    _put(course, "timeRequired", content.get("estimatedDuration"))
    if keywords := content.get("keywords"):
        course["keywords"] = ", ".join(keywords)
    if costs := content.get("costs"):
        course["offers"] = {
            "@type": "Offer",
            "price": costs["amount"],
            "priceCurrency": costs["currency"],
            "category": "Free" if costs["amount"] == 0 else "Paid",
        }
    return course


def _course_instance(content: dict[str, Any]) -> Node:
    mode = content["participationForm"].capitalize()  # Online, Onsite, Blended
    instance: Node = {"@type": "CourseInstance", "courseMode": mode}
    _put(instance, "startDate", content.get("startDate"))
    _put(instance, "endDate", content.get("endDate"))
    if "certifiedHours" in content["workload"]:
        instance["courseWorkload"] = hours_duration(content["workload"]["certifiedHours"])
    return instance


def _pick(text: str | dict[str, str], lang: str) -> str:
    return text if isinstance(text, str) else pick(text, lang)
