"""Registry search latency: ``Registry.page`` over a large registry, next to a bare lookup.

    python bench/registry_search.py [--db sqlite|postgres|all] [--pg-records 1000000]
                                    [--sqlite-records 100000] [--queries 300] [--explain]
                                    [--json out.json]

For each database a fresh schema is made by the node's migrations (the real indexes), then
filled directly — not through the signing service — with generated credential records
(``example_claims`` varied with a few hundred European given / family names, a long tail of
rare family names and a few dozen titles in en/de/fi/es; created over three years, mostly
issued) and their search words (``term_rows``): psycopg ``COPY`` on PostgreSQL (a database
created for the run and dropped after), ``executemany`` in large transactions on SQLite
(temporary file); then ``ANALYZE``. Timed, per kind of query, each call of
``Registry.page`` (select, fetch the page of 50 + 1 rows, build the items), after a warm-up
that is not counted, the kinds interleaved round-robin:

1. the list, newest first, no filter;       2. a state filter (``revoked``);
3. a rare full family name;                  4. a common given-name prefix (2–3 letters);
5. two words (given name + family prefix);  6. page 21 of the list (cursor followed 20 pages);
7. page 21 of a common-prefix search;       8. a record-id prefix (8 hex characters);
9. the reference: a bare lookup of one record by primary key through the same session
   machinery (``select(CredentialRecord).where(id == …)``).

Printed: p50 / p99 / max in ms, p99 / the bare lookup's p99, items per page, records
matching the query (average over the query words used), the target (p99 ≤ 50 ms), the
process's peak RSS; ``--explain`` adds each kind's plan (PostgreSQL ``EXPLAIN (ANALYZE,
BUFFERS)``, SQLite ``EXPLAIN QUERY PLAN``). Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.examples import example_claims
from node.credentials.search import joined, term_rows, words
from node.db.engine import make_engine, migrate, session_factory
from node.db.models import INSTITUTION_OWNER, CredentialRecord, RecordState
from node.db.scratch import scratch_database
from node.issuance.registry import Registry, RegistryQuery

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_P99_MS = 50.0
CHUNK = 10_000  # records per COPY / executemany transaction
DEEP = 20  # pages followed before the timed "deep" page
END = datetime(2026, 12, 1, tzinfo=UTC)  # the newest record; records span three years
SPAN = timedelta(days=3 * 365)
STATES = (  # cumulative share of each state
    (0.90, RecordState.ISSUED.value),
    (0.94, RecordState.REVOKED.value),
    (0.96, RecordState.SUSPENDED.value),
    (1.00, RecordState.PREPARED.value),
)
TAIL_SHARE = 0.04  # records whose family name is from the long tail of rare names

_TTY = sys.stderr.isatty()


def progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class Meter:
    """A load's progress on stderr: one rewritten line on a terminal, every 10 % in a log."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.start = time.perf_counter()
        self._next_tenth = 1

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed else 0.0
        eta = (self.total - done) / rate if rate else 0.0
        line = (
            f"  {self.label}: {done:,}/{self.total:,} records ({done / self.total:.0%}), "
            f"{rate:,.0f}/s, {elapsed:.0f} s, ETA {eta:.0f} s"
        )
        if _TTY:
            end = "\n" if done >= self.total else ""
            sys.stderr.write("\r" + line + "\x1b[K" + end)
            sys.stderr.flush()
        elif done * 10 >= self._next_tenth * self.total:
            self._next_tenth = done * 10 // self.total + 1
            progress(line)


def rss_now_mib() -> float | None:
    """The resident set now (Linux), after the peak of the load."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def maxrss_mib() -> float:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024


# --- generated data ---------------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


GIVEN = _names(
    """
Aino Eino Elina Emilia Juha Jukka Kaisa Kari Laura Liisa Matti Mikko Minna Pekka Riikka Sanna
Tuomas Ville Veera Onni Eetu Helmi Kristiina Jaan Kadri Mart Liis Tõnu Triin Priit Kärt Rasmus
Siim Maarja Anna Lukas Leon Felix Jonas Maximilian Paul Elias Jakob Lena Lea Hannah Sophie
Marie Johanna Katharina Julia Lisa Sarah Tobias Florian Stefan Andreas Michael Thomas Sabine
Ursula Jürgen Günter Birgit Dörte Anke Till Moritz Niklas Greta Mia Emma Ida Frieda Lucía María
Carmen Isabel Elena Sofía Paula Alba Marta Nuria Pilar Rocío Inés José Javier Alejandro Pablo
Álvaro Sergio Diego Jorge Manuel Iñaki Andrés Ramón Joaquín Begoña Ainhoa Montserrat Jordi
Giulia Francesca Chiara Alessandra Martina Federica Matteo Lorenzo Francesco Giuseppe Luca Marco
Davide Andrea Riccardo Niccolò João Tomás Gonçalo Beatriz Mariana Leonor Rafael Duarte Camille
Chloé Léa Manon Élodie Amélie Louis Hugo Théo Mathieu Nicolas Julien Étienne Antoine Gaëlle
Sanne Femke Lotte Anouk Daan Bram Sem Joost Maarten Pieter Floor Agnieszka Katarzyna Małgorzata
Zofia Piotr Krzysztof Tomasz Paweł Łukasz Jakub Jan Tereza Eliška Petra Lucie Ondřej Vojtěch
Jiří Lucija Maja Nika Luka Marko Ivana Ana Astrid Ingrid Sigrid Linnea Elsa Freja Erik Lars
Anders Nils Oskar Magnus Søren Mads Mette Eleni Dimitris Giorgos Katerina Nikos Zsófia Bence
Levente Réka Ioana Andrei Mihai Ieva Rūta Mantas Līga Jānis Aoife Siobhán Niamh Seán Ciarán Oisín
"""
)

FAMILY = (
    *_names(
        """
Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen
Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen
Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Tamm Saar Sepp Mägi
Kask Kukk Rebane Ilves Pärn Koppel Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker
Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun
Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Huber Gruber Pichler Steiner
Moser Mayer Hofer Leitner Berger Fuchs Eder Weiß Wimmer Egger Brunner Lang Baumgartner Auer
Binder Lechner Reiter Aigner Haas García Rodríguez González Fernández López Martínez Sánchez
Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez
Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega
Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos
Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores
Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero
Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona
Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Etxeberria
Aguirre Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso
Ferrara Galli Martini Leone Silva Ferreira Pereira Oliveira Rodrigues Martins Sousa Fernandes
Gonçalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira Correia
Bernard Dubois Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Roux
Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Faure André Mercier Blanc Guérin
Jansen Bakker Janssen Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Nowak
Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski
Kozłowski Jankowski Mazur Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec
Horvat Kovačević Babić Marić Jurić Novak Kovačič Krajnc Zupančič Nagy Kovács Tóth Szabó Horváth
Varga Kiss Molnár Popescu Ionescu Popa Stan Dumitru Papadopoulos Georgiou Nikolaidis Kazlauskas
Jankauskas Bērziņš Kalniņš Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson
Svensson Gustafsson Hansen Jensen Nielsen Pedersen Andersen Christensen Larsen Sørensen
Rasmussen Johansen Olsen Murphy Kelly Walsh Byrne Ryan Doyle McCarthy Gallagher
"""
    ),
    *("de Jong", "de Vries", "van den Berg", "van Dijk", "De Luca", "O'Sullivan", "O'Brien"),
)

# The long tail: rare family names made of a stem and an ending (Finnic, Germanic, Slavic).
_TAIL_PARTS = (
    (
        "Kivi Mäki Lahti Koski Järvi Laine Niemi Salo Vuori Harju Kangas Lehto Rinne Aho Honka "
        "Kallio Kuusi Mänty Paju Pelto Hirvi Karhu Kettu Sorsa Tervo",
        "nen mäki salo vaara lahti koski niemi järvi maa la lä oja harju aho",
    ),
    (
        "Berg Wald Stein Feld Bach Brunn Eich Linden Rosen Schön Hoch Alt Neu Kirch Mühl Sonnen "
        "Tann Buch Birk Hasel",
        "er mann hofer huber bauer berger meier acher inger stätter feld bach",
    ),
    (
        "Nov Kovač Horv Dvoř Krej Procház Kuč Mar Pav Zel Wróbl Sokoł Grab Lis Bor",
        "ák ek ovský ík enko ić ović czyk ewski ski",
    ),
)
TAIL = tuple(
    sorted(
        {
            stem + ending.lower()
            for stems, endings in _TAIL_PARTS
            for stem in stems.split()
            for ending in endings.split()
        }
        - set(FAMILY)
    )
)

TITLES: tuple[dict[str, str], ...] = (
    {
        "en": "Data Literacy for Researchers",
        "de": "Datenkompetenz für Forschende",
        "fi": "Datalukutaito tutkijoille",
    },
    {"en": "Sustainable Supply Chains", "es": "Cadenas de suministro sostenibles"},
    {
        "en": "Digital Didactics in Higher Education",
        "fi": "Digitaalinen didaktiikka korkeakouluopetuksessa",
    },
    {"en": "Introduction to Machine Learning", "de": "Einführung in maschinelles Lernen"},
    {
        "en": "Applied Cybersecurity",
        "de": "Angewandte Cybersicherheit",
        "es": "Ciberseguridad aplicada",
    },
    {
        "en": "Renewable Energy Systems",
        "de": "Erneuerbare Energiesysteme",
        "fi": "Uusiutuvat energiajärjestelmät",
    },
    {"en": "Project Management Fundamentals", "es": "Fundamentos de gestión de proyectos"},
    {"en": "Academic Writing in English", "fi": "Akateeminen kirjoittaminen englanniksi"},
    {
        "en": "Circular Economy",
        "de": "Kreislaufwirtschaft",
        "es": "Economía circular",
        "fi": "Kiertotalous",
    },
    {"en": "Public Health Data Analysis", "es": "Análisis de datos de salud pública"},
    {
        "en": "Entrepreneurship and Innovation",
        "es": "Emprendimiento e innovación",
        "fi": "Yrittäjyys ja innovaatiot",
    },
    {"en": "Urban Mobility Planning", "de": "Planung urbaner Mobilität"},
    {"en": "Quantum Computing Basics", "de": "Grundlagen des Quantencomputings"},
    {
        "en": "Intercultural Communication",
        "de": "Interkulturelle Kommunikation",
        "es": "Comunicación intercultural",
    },
    {
        "en": "Climate Change Adaptation",
        "fi": "Ilmastonmuutokseen sopeutuminen",
        "es": "Adaptación al cambio climático",
    },
    {"en": "Python Programming for Engineers", "de": "Python-Programmierung für Ingenieure"},
    {"en": "Financial Accounting", "es": "Contabilidad financiera"},
    {"en": "Nursing Leadership", "fi": "Hoitotyön johtaminen"},
    {"en": "Food Safety Management", "es": "Gestión de la seguridad alimentaria"},
    {
        "en": "Geographic Information Systems",
        "de": "Geoinformationssysteme",
        "fi": "Paikkatietojärjestelmät",
    },
    {
        "en": "Ethics of Artificial Intelligence",
        "de": "Ethik der künstlichen Intelligenz",
        "es": "Ética de la inteligencia artificial",
    },
    {"en": "Water Resources Management", "es": "Gestión de recursos hídricos"},
    {"en": "Early Childhood Education", "fi": "Varhaiskasvatus"},
    {"en": "Marketing Analytics", "es": "Analítica de marketing"},
    {"en": "Robotics and Automation", "de": "Robotik und Automatisierung"},
    {"en": "Sustainable Forestry", "fi": "Kestävä metsätalous"},
    {"en": "Spanish for Academic Purposes", "es": "Español con fines académicos"},
    {"en": "German for Engineers", "de": "Deutsch für Ingenieure"},
    {"en": "Finnish Language and Culture", "fi": "Suomen kieli ja kulttuuri"},
    {"en": "Cloud Infrastructure", "de": "Cloud-Infrastruktur"},
    {"en": "Biostatistics", "es": "Bioestadística", "de": "Biostatistik"},
    {"en": "Museum Studies", "es": "Museología"},
    {"en": "Digital Marketing Strategy", "de": "Digitale Marketingstrategie"},
    {
        "en": "Inclusive Teaching Practices",
        "fi": "Inklusiiviset opetuskäytännöt",
        "es": "Prácticas docentes inclusivas",
    },
    {"en": "Smart Manufacturing", "de": "Intelligente Fertigung"},
    {"en": "Mental Health First Aid", "fi": "Mielenterveyden ensiapu"},
)


def _zipf(count: int, s: float = 1.0) -> list[float]:
    """Cumulative weights of a Zipf distribution over ``count`` ranks."""
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / rank**s
        cumulative.append(total)
    return cumulative


@dataclass
class Record:
    id: str
    state: str
    claims_json: str
    created_at: datetime
    issued_at: datetime | None
    terms: list[str]


@dataclass
class Generated:
    """What the load produced, to pick query words that have matches."""

    records: int = 0
    terms: int = 0
    given: Counter[str] = field(default_factory=Counter)
    family: Counter[str] = field(default_factory=Counter)
    sample: list[tuple[str, str, str]] = field(default_factory=list)  # (id, given, family)

    def add(self, other: Generated) -> None:
        self.records += other.records
        self.terms += other.terms
        self.given.update(other.given)
        self.family.update(other.family)
        self.sample.extend(other.sample)


@dataclass
class Chunk:
    """Rows ready for one database: COPY text (PostgreSQL) or parameter tuples (SQLite)."""

    stats: Generated
    copy_records: bytes = b""
    copy_terms: bytes = b""
    record_rows: list[tuple[str, str, str, None, str | None, str | None, str, str]] = field(
        default_factory=list
    )
    term_rows: list[tuple[str, str]] = field(default_factory=list)


class Generator:
    """Deterministic credential records, oldest first; each chunk from its own seed, so a
    child process can make the next chunk while this one is being written."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed = n, seed
        order = random.Random(seed)
        self.given = list(GIVEN)
        self.family = list(FAMILY)
        self.titles = list(TITLES)
        for pool in (self.given, self.family, self.titles):
            order.shuffle(pool)  # which names are common: not by country
        self.given_w = _zipf(len(self.given), 0.5)  # the commonest ~3.5 % of learners
        self.family_w = _zipf(len(self.family), 0.5)  # ~2.7 %
        self.title_w = _zipf(len(self.titles), 0.8)
        self.templates = [example_claims(i) for i in range(360)]
        self.sample_at = set(order.sample(range(n), min(n, 3000)))

    def chunk(self, start: int, stop: int, db: str) -> Chunk:
        rng = random.Random(self.seed * 1_000_003 + start)
        stats = Generated()
        records = [self.record(rng, i, stats) for i in range(start, stop)]
        if db == "postgres":
            owner = _copy_text(INSTITUTION_OWNER)
            lines = "".join(
                f"{r.id}\t{r.state}\t{_copy_text(r.claims_json)}\t\\N\t"
                f"{_pg_time(r.created_at)}\t{_pg_time(r.issued_at)}\t{owner}\t"
                f"{_copy_text(joined(r.terms))}\n"
                for r in records
            )
            terms = "".join(f"{t}\t{r.id}\n" for r in records for t in r.terms)
            return Chunk(stats, copy_records=lines.encode(), copy_terms=terms.encode())
        rows = [
            (
                r.id,
                r.state,
                r.claims_json,
                None,
                _sqlite_time(r.created_at),
                _sqlite_time(r.issued_at),
                INSTITUTION_OWNER,
                joined(r.terms),
            )
            for r in records
        ]
        return Chunk(
            stats, record_rows=rows, term_rows=[(t, r.id) for r in records for t in r.terms]
        )

    def record(self, rng: random.Random, i: int, out: Generated) -> Record:
        record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        created = END - SPAN + SPAN * ((i + rng.random()) / self.n)
        draw = rng.random()
        state = next(s for share, s in STATES if draw < share)
        issued: datetime | None = None
        if state != RecordState.PREPARED.value:
            late = rng.random() < 0.15  # approved later; most are issued in the same batch
            issued = created + timedelta(seconds=rng.uniform(3600, 5 * 86400) if late else 2.0)
        given = rng.choices(self.given, cum_weights=self.given_w)[0]
        if rng.random() < TAIL_SHARE:
            family = rng.choice(TAIL)
        else:
            family = rng.choices(self.family, cum_weights=self.family_w)[0]
        template = self.templates[i % len(self.templates)]
        claims = dict(template)
        claims["learner"] = {
            **template["learner"],
            "givenName": given,
            "familyName": family,
            "identifier": f"S{2_000_000 + i}",
        }
        claims["title"] = rng.choices(self.titles, cum_weights=self.title_w)[0]
        claims["dateOfIssuing"] = (issued or created).date().isoformat()
        terms = [row["term"] for row in term_rows(record_id, claims)]
        out.records += 1
        out.terms += len(terms)
        out.given[given] += 1
        out.family[family] += 1
        if i in self.sample_at:
            out.sample.append((record_id, given, family))
        return Record(record_id, state, json.dumps(claims), created, issued, terms)


_WORKER: Generator | None = None


def _make_chunk(job: tuple[int, int, int, str]) -> Chunk:
    """In the generating process: chunk ``start`` of ``n`` records for ``db``."""
    global _WORKER
    n, seed, start, db = job
    if _WORKER is None or (_WORKER.n, _WORKER.seed) != (n, seed):
        _WORKER = Generator(n, seed)
    return _WORKER.chunk(start, min(n, start + CHUNK), db)


def chunks(n: int, seed: int, db: str, ahead: int = 2) -> Iterator[Chunk]:
    """The chunks in order, made by one child process at most ``ahead`` chunks in advance
    (the other core writes them: the database, and this process feeding it)."""
    starts = list(range(0, n, CHUNK))
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pending: deque[Any] = deque()
        for start in starts:
            pending.append(pool.apply_async(_make_chunk, ((n, seed, start, db),)))
            if len(pending) > ahead:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# --- loading ----------------------------------------------------------------------------------

_RECORD_COLUMNS = "id, state, claims, subject_id, created_at, issued_at, owner, search_text"


def _copy_text(value: str) -> str:
    """A value in PostgreSQL's COPY text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _pg_time(at: datetime | None) -> str:
    return "\\N" if at is None else at.isoformat(sep=" ")


def _sqlite_time(at: datetime | None) -> str | None:
    # As SQLAlchemy stores DateTime on SQLite (naive, microseconds always written).
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_postgres(engine: Engine, n: int, seed: int) -> Generated:
    """COPY the rows, one transaction per chunk (records, then their terms); the indexes
    are in place, as on a node that grew to this size. Foreign-key triggers are skipped
    (``session_replication_role = replica``, the rows are consistent by construction)."""
    out, meter = Generated(), Meter("postgres", n)
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection  # a psycopg 3 Connection
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            for chunk in chunks(n, seed, "postgres"):
                with cursor.copy(f"COPY credential_record ({_RECORD_COLUMNS}) FROM STDIN") as cp:
                    cp.write(chunk.copy_records)
                with cursor.copy("COPY record_search_term (term, record_id) FROM STDIN") as cp:
                    cp.write(chunk.copy_terms)
                connection.commit()
                out.add(chunk.stats)
                meter.update(out.records)
            cursor.execute("RESET session_replication_role")
            connection.commit()
    finally:
        raw.close()
    progress("  postgres: VACUUM (ANALYZE) ...")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM (ANALYZE) credential_record")
        c.exec_driver_sql("VACUUM (ANALYZE) record_search_term")
    return out


def load_sqlite(engine: Engine, n: int, seed: int) -> Generated:
    """executemany, one transaction per chunk; during the load only, foreign keys off and a
    256 MiB page cache (the default 2 MiB one thrashes on the term indexes)."""
    out, meter = Generated(), Meter("sqlite", n)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        (cache_size,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA cache_size=-262144")
        try:
            for chunk in chunks(n, seed, "sqlite"):
                cursor.executemany(
                    f"INSERT INTO credential_record ({_RECORD_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    chunk.record_rows,
                )
                cursor.executemany(
                    "INSERT INTO record_search_term (term, record_id) VALUES (?, ?)",
                    chunk.term_rows,
                )
                raw.commit()
                out.add(chunk.stats)
                meter.update(out.records)
        finally:
            raw.commit()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA cache_size={int(cache_size)}")
        progress("  sqlite: ANALYZE ...")
        cursor.execute("ANALYZE")
        raw.commit()
        cursor.close()
    finally:
        raw.close()
    return out


# --- queries ----------------------------------------------------------------------------------


@dataclass
class Kind:
    key: str
    label: str
    queries: list[RegistryQuery] = field(default_factory=list)  # cycled
    lookup_ids: list[str] = field(default_factory=list)  # the bare lookup only
    times_ms: list[float] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    gc: list[bool] = field(default_factory=list)  # a full (gen-2) collection ran in the call


class FullCollections:
    """Counts Python's full (generation 2) garbage collections and their pauses."""

    def __init__(self) -> None:
        self.count = 0
        self.pauses_ms: list[float] = []
        self._start = 0.0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.count += 1
            self.pauses_ms.append((time.perf_counter() - self._start) * 1000)


def _hexless(word: str) -> bool:
    """Not made of hex digits only: would also match the record ids' words."""
    return any(c not in "0123456789abcdef" for c in word)


def _single_word(name: str) -> str | None:
    found = words(name)
    return found[0] if len(found) == 1 else None


def _follow(registry: Registry, query: RegistryQuery, pages: int) -> RegistryQuery | None:
    """``query`` continued ``pages`` pages in (None: fewer pages than that)."""
    for _ in range(pages):
        page = registry.page(query)
        if page.next is None:
            return None
        query = RegistryQuery(query.q, query.state, cursor=page.next)
    return query


def pick_kinds(registry: Registry, gen: Generated, seed: int) -> list[Kind]:
    rng = random.Random(seed + 2)
    n = gen.records
    sample = gen.sample
    # Rare: single-word family names with the fewest records (at least one).
    rare_limit = max(5, n // 20_000)
    rare = sorted(
        (count, word)
        for name, count in gen.family.items()
        if count <= rare_limit and (word := _single_word(name))
    )
    rare_words = [w for _, w in rare[:20]] or [
        w for name, _ in gen.family.most_common()[-20:] if (w := _single_word(name))
    ]
    # Common: 2- and 3-letter prefixes of the most frequent given names.
    prefixes: list[str] = []
    for name, _ in gen.given.most_common(20):
        word = _single_word(name)
        if word is None:
            continue
        for length in (2, 3):
            prefix = word[:length]
            if _hexless(prefix) and prefix not in prefixes:
                prefixes.append(prefix)
    prefixes = prefixes[:12]
    # Two words: the given name and the family name's first 3-4 letters of sampled records.
    pairs: list[str] = []
    for _, given, family in sample:
        g, f = _single_word(given), words(family)
        if g and f and len(f[-1]) >= 4:
            pairs.append(f"{g} {f[-1][: rng.choice((3, 4))]}")
        if len(pairs) == 40:
            break
    ids = [record_id for record_id, _, _ in sample]
    rng.shuffle(ids)
    deep_list = _follow(registry, RegistryQuery(), DEEP)
    deep_prefix = [q for p in prefixes[:6] if (q := _follow(registry, RegistryQuery(p), DEEP))]
    return [
        Kind("list", "list, newest first", [RegistryQuery()]),
        Kind("state", "state = revoked", [RegistryQuery(state=RecordState.REVOKED)]),
        Kind("rare_family", "rare family name (full)", [RegistryQuery(w) for w in rare_words]),
        Kind(
            "given_prefix", "given-name prefix (2-3 letters)", [RegistryQuery(p) for p in prefixes]
        ),
        Kind("two_words", "given name + family prefix", [RegistryQuery(p) for p in pairs]),
        Kind("deep_list", f"list, page {DEEP + 1}", [deep_list] if deep_list else []),
        Kind("deep_prefix", f"given-name prefix, page {DEEP + 1}", deep_prefix),
        Kind("id_prefix", "record-id prefix (8 hex)", [RegistryQuery(i[:8]) for i in ids[:100]]),
        Kind("bare", "bare lookup by id (reference)", lookup_ids=ids[:1000]),
    ]


def bare_lookup(sessions: sessionmaker[Session], record_id: str) -> int:
    with sessions() as session:
        session.scalars(select(CredentialRecord).where(CredentialRecord.id == record_id)).one()
    return 1


def _lookup_call(sessions: sessionmaker[Session], ids: list[str]) -> Callable[[int], int]:
    def call(i: int) -> int:
        return bare_lookup(sessions, ids[i % len(ids)])

    return call


def _page_call(registry: Registry, queries: list[RegistryQuery]) -> Callable[[int], int]:
    def call(i: int) -> int:
        return len(registry.page(queries[i % len(queries)]).items)

    return call


def run_kinds(
    registry: Registry,
    sessions: sessionmaker[Session],
    kinds: Sequence[Kind],
    queries: int,
    warmup: int,
) -> list[float]:
    """Every kind once per round, round-robin; the ``warmup`` first rounds not counted.
    Returns the pauses of the full garbage collections that ran meanwhile."""
    calls: list[tuple[Kind, Callable[[int], int]]] = []
    for kind in kinds:
        if kind.lookup_ids:
            calls.append((kind, _lookup_call(sessions, kind.lookup_ids)))
        elif kind.queries:
            calls.append((kind, _page_call(registry, kind.queries)))
    clock = time.perf_counter
    with FullCollections() as collections:
        for i in range(warmup + queries):
            for kind, call in calls:
                before = collections.count
                start = clock()
                items = call(i)
                elapsed = clock() - start
                if i >= warmup:
                    kind.times_ms.append(elapsed * 1000)
                    kind.items.append(items)
                    kind.gc.append(collections.count > before)
            if (i + 1) % 100 == 0:
                progress(f"  round {i + 1}/{warmup + queries}")
    return collections.pauses_ms


def matching(sessions: sessionmaker[Session], query: RegistryQuery) -> int:
    """Records the query matches (every page), counted once, not timed."""
    base = RegistryQuery(query.q, query.state)
    statement = Registry(sessions).statement(base).limit(None).order_by(None).subquery()
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(statement)) or 0)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def explain(engine: Engine, registry: Registry, query: RegistryQuery) -> str:
    """The plan of one ``Registry.page`` statement: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL,
    EXPLAIN QUERY PLAN on SQLite."""
    statement = registry.statement(query)
    compiled = statement.compile(dialect=engine.dialect)
    sql = str(compiled)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + sql, compiled.params
            ).all()
            return "\n".join(str(r[0]) for r in rows)
        params = tuple(
            _sqlite_time(v) if isinstance(v, datetime) else v
            for v in (compiled.params[k] for k in compiled.positiontup or ())
        )
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        return "\n".join(f"{'  ' * (int(r[1]) > 0)}{r[-1]}" for r in rows)


# --- driver -----------------------------------------------------------------------------------


def bench_database(db: str, url: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        migrate(engine)
        progress(
            f"{db}: loading {n:,} records ({len(GIVEN)} given names, {len(FAMILY)} family "
            f"names + {len(TAIL)} rare ones, {len(TITLES)} titles) ..."
        )
        start = time.perf_counter()
        out = (load_postgres if db == "postgres" else load_sqlite)(engine, n, args.seed)
        load_s = time.perf_counter() - start
        progress(f"  {db}: {out.records:,} records, {out.terms:,} search terms in {load_s:.0f} s")
        sessions = session_factory(engine)
        registry = Registry(sessions)
        kinds = pick_kinds(registry, out, args.seed)
        progress(f"  {db}: timing {args.queries} queries per kind (+ {args.warmup} warm-up) ...")
        load_before = os.getloadavg()[0]
        pauses = run_kinds(registry, sessions, kinds, args.queries, args.warmup)
        load_after = os.getloadavg()[0]
        bare_p99 = percentile(kinds[-1].times_ms, 99)
        results: dict[str, Any] = {}
        for kind in kinds:
            if not kind.times_ms:
                progress(f"  {db}: no query for {kind.key} (too few records)")
                continue
            count_of = {q.q: matching(sessions, q) for q in kind.queries}
            counts = list(count_of.values()) or [1]
            by_query: dict[str, list[float]] = {}
            for j, t in enumerate(kind.times_ms):
                if kind.queries:
                    q = kind.queries[(args.warmup + j) % len(kind.queries)]
                    by_query.setdefault(q.q, []).append(t)
            p99 = percentile(kind.times_ms, 99)
            without_gc = [t for t, full in zip(kind.times_ms, kind.gc, strict=True) if not full]
            results[kind.key] = {
                "label": kind.label,
                "samples": len(kind.times_ms),
                "p50_ms": percentile(kind.times_ms, 50),
                "p99_ms": p99,
                "max_ms": max(kind.times_ms),
                "p99_over_bare_p99": p99 / bare_p99,
                "items_per_page": sum(kind.items) / len(kind.items),
                "matching_records": sum(counts) / len(counts),
                "per_query": [
                    {
                        "q": q,
                        "matching": count_of[q],
                        "p50_ms": percentile(ts, 50),
                        "max_ms": max(ts),
                    }
                    for q, ts in by_query.items()
                ],
                "meets_target": p99 <= TARGET_P99_MS,
                "calls_with_full_gc": sum(kind.gc),
                "p99_without_full_gc_ms": percentile(without_gc, 99) if without_gc else None,
            }
        plans: dict[str, str] = {}
        if args.explain:
            for kind in kinds:
                if kind.queries:
                    progress(f"  {db}: plan of {kind.key} ...")
                    plans[kind.key] = explain(engine, registry, kind.queries[0])
        return {
            "records": out.records,
            "search_terms": out.terms,
            "load_seconds": load_s,
            "kinds": results,
            "full_gc_pauses_ms": sorted(pauses),
            "load_average_1min": {"before_timing": load_before, "after_timing": load_after},
            "plans": plans,
            "peak_rss_mib": maxrss_mib(),
            "rss_after_timing_mib": rss_now_mib(),
        }
    finally:
        engine.dispose()


def render(figures: dict[str, Any]) -> str:
    machine = figures["machine"]
    lines = [f"machine: {machine['cpus']} CPUs, Python {machine['python']}"]
    for db, r in figures["databases"].items():
        pauses = r["full_gc_pauses_ms"]
        lines += [
            "",
            f"{db}: {r['records']:,} records, {r['search_terms']:,} search terms, "
            f"load {r['load_seconds']:.0f} s; RSS peak {r['peak_rss_mib']:.0f} MiB "
            f"(process so far), after timing {r['rss_after_timing_mib'] or 0:.0f} MiB",
            f"{'query':<34}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99/bare':>10}"
            f"{'items':>7}{'matching':>11}{'gc':>4}{'p99 no gc':>10}"
            f"  p99 <= {TARGET_P99_MS:.0f} ms",
        ]
        for k in r["kinds"].values():
            no_gc = k["p99_without_full_gc_ms"]
            lines.append(
                f"{k['label']:<34}{k['p50_ms']:>8.2f}{k['p99_ms']:>8.2f}{k['max_ms']:>8.2f}"
                f"{k['p99_over_bare_p99']:>9.1f}x{k['items_per_page']:>7.1f}"
                f"{k['matching_records']:>11,.0f}{k['calls_with_full_gc']:>4}"
                f"{'-' if no_gc is None else f'{no_gc:.2f}':>10}"
                f"  {'ok' if k['meets_target'] else 'MISS'}"
            )
        if pauses:
            lines.append(
                f"full (gen-2) garbage collections while timing: {len(pauses)}, "
                f"pause median {percentile(pauses, 50):.0f} ms, max {max(pauses):.0f} ms "
                "(gc: timed calls that contained one)"
            )
        load = r["load_average_1min"]
        lines.append(
            f"load average (1 min) before / after timing: {load['before_timing']:.2f} / "
            f"{load['after_timing']:.2f} (this process and its database server make up to ~2)"
        )
        for key, plan in r["plans"].items():
            lines += ["", f"plan ({db}) of {r['kinds'][key]['label']}:", plan]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--records", type=int, help="records on every database")
    parser.add_argument("--pg-records", type=int, default=1_000_000)
    parser.add_argument("--sqlite-records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300, help="timed queries per kind")
    parser.add_argument("--warmup", type=int, default=20, help="rounds not counted")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("CREDREG_BENCH_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--explain", action="store_true", help="print each kind's plan")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    figures: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "parameters": {"queries": args.queries, "warmup": args.warmup, "seed": args.seed},
        "databases": {},
    }
    for db in databases:
        if db == "postgres":
            n = args.records or args.pg_records
            with scratch_database(args.postgres_url, "credreg_bench_registry") as url:
                figures["databases"][db] = bench_database(db, url, n, args)
        else:
            n = args.records or args.sqlite_records
            with tempfile.TemporaryDirectory(prefix="credreg-bench-registry-") as tmp:
                url = f"sqlite:///{Path(tmp) / 'registry.db'}"
                figures["databases"][db] = bench_database(db, url, n, args)
    print(render(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        progress(f"wrote {args.json}")
    return figures


if __name__ == "__main__":
    main()
