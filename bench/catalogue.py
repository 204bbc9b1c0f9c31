"""The network's catalogue: search latency over 10,000 entries of 5 institutions, and the
full sync of a new node from 5 peers.

    python bench/catalogue.py [--only search|sync] [--db sqlite|postgres|all]
                              [--entries 10000] [--queries 200] [--peers 5]
                              [--per-peer 2000] [--explain] [--json out.json]

1. **search** (SQLite file and a PostgreSQL database made for the run, by the node's
   migrations): ``--entries`` entries of 5 institutions — a fifth this node's own, published
   through ``Catalogue`` (documents, digests, the index row), the rest four members' copies
   as a sync round keeps them (``peer_catalogue_version`` + ``reindex_peer``). Contents are
   generated: the four sample entries varied with titles, abstracts, outcomes and keywords
   drawn from ~60 words per language (en/de/es/fi), ECTS 1–5, EQF 4–8, 17 ISCED-F fields,
   three modes, start dates over 2027. Timed, per kind of query (interleaved, after a
   warm-up): ``CatalogueSearcher.search`` (the page, the count, each result's document read
   and hashed again) and, next to it, ``CatalogueSearcher.bare`` — the page's statement
   alone (the bare query). Printed: p50 / p99 of each and search p99 / bare p99, results
   matching.
2. **sync** (anvil): ``--peers`` nodes, each publishing ``--per-peer`` entries and anchoring
   each version's digest (one transaction each; set-up, not timed), served over HTTP by
   uvicorn; a new member node (its own SQLite, nothing kept) then runs
   ``CatalogueSync.run_once`` until everything is kept: every peer's index, every version
   fetched once, hashed, its one-leaf root looked up on chain (``rootInfo``), stored and
   indexed. Timed next to the bare transfer in the same run: the same index and version
   GETs with a plain httpx client (no checks, nothing stored). Also timed: the next round
   (every list unchanged: one 304 per peer).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import select, text

from bench.anchor import progress
from bench.issue import maxrss_mib
from bench.network import make_node, serving
from node.catalogue.entries import digest_of
from node.catalogue.samples import SAMPLES
from node.catalogue.search import CatalogueQuery, CatalogueSearcher
from node.catalogue.search_index import reindex_peer
from node.db.models import Institution, PeerCatalogueVersion
from node.db.scratch import scratch_database
from node.ledger.network import deploy_as_genesis, genesis_spec, store_deployment
from node.runtime import NodeRuntime

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LANGS = ("en", "de", "es", "fi")


def _words(text_: str) -> list[str]:
    return text_.split()


WORDS = {
    "en": _words(
        "data ethics energy renewable supply chain circular economy design systems learning "
        "health care digital skills software security networks cloud analytics statistics "
        "marketing finance law rights policy climate water food farming soil forest ocean "
        "materials robots sensors machine vision language culture history art music media "
        "journalism teaching school leadership project management logistics transport city "
        "housing tourism welfare nursing biology chemistry physics mathematics"
    ),
    "de": _words(
        "daten ethik energie erneuerbare lieferkette kreislaufwirtschaft gestaltung systeme "
        "lernen gesundheit pflege digitale kompetenzen software sicherheit netzwerke wolke "
        "analyse statistik marketing finanzen recht rechte politik klima wasser ernährung "
        "landwirtschaft boden wald meer werkstoffe roboter sensoren maschinen sprache kultur "
        "geschichte kunst musik medien journalismus unterricht schule führung projekte "
        "verwaltung logistik verkehr stadt wohnen tourismus wohlfahrt biologie chemie physik "
        "mathematik nachhaltigkeit"
    ),
    "es": _words(
        "datos ética energía renovables cadena suministro economía circular diseño sistemas "
        "aprendizaje salud cuidados digitales competencias software seguridad redes nube "
        "analítica estadística marketing finanzas derecho derechos política clima agua "
        "alimentación agricultura suelo bosque océano materiales robots sensores máquinas "
        "lengua cultura historia arte música medios periodismo enseñanza escuela liderazgo "
        "proyectos gestión logística transporte ciudad vivienda turismo bienestar biología "
        "química física matemáticas"
    ),
    "fi": _words(
        "data etiikka energia uusiutuva toimitusketju kiertotalous suunnittelu järjestelmät "
        "oppiminen terveys hoitotyö digitaaliset taidot ohjelmistot tietoturva verkot pilvi "
        "analytiikka tilastot markkinointi rahoitus oikeus oikeudet politiikka ilmasto vesi "
        "ruoka maatalous maaperä metsä meri materiaalit robotit anturit koneet kieli kulttuuri "
        "historia taide musiikki media journalismi opetus koulu johtaminen projektit hallinto "
        "logistiikka liikenne kaupunki asuminen matkailu hyvinvointi biologia kemia fysiikka "
        "matematiikka"
    ),
}
FIELDS = _words(
    "0011 0111 0211 0311 0413 0421 0511 0533 0612 0613 0688 0712 0713 0731 0811 0912 1015"
)
MODES = ("online", "onsite", "blended")


def content(n: int, rng: random.Random) -> dict[str, Any]:
    """Entry ``n``: a sample varied (its language ``LANGS[n % 4]``, English beside it)."""
    lang = LANGS[n % 4]
    base = copy.deepcopy(SAMPLES[n % 4])

    def words(k: int, in_lang: str = lang) -> str:
        return " ".join(rng.sample(WORDS[in_lang], k))

    title = {lang: words(3).capitalize()}
    if lang != "en":
        title["en"] = words(3, "en").capitalize()
    start = date(2027, 1, 1) + timedelta(days=rng.randrange(365))
    body: dict[str, Any] = {
        **{k: v for k, v in base.items() if k not in ("startDate", "endDate", "freeStart")},
        "title": title,
        "abstract": {lang: words(15)},
        "fieldOfStudy": rng.choice(FIELDS),
        "eqfLevel": rng.randrange(4, 9),
        "workload": {"ects": rng.randrange(1, 6)},
        "languages": [lang] if rng.random() < 0.6 or lang == "en" else [lang, "en"],
        "participationForm": rng.choice(MODES),
        "learningOutcomes": [{"text": {lang: words(8)}} for _ in range(3)],
        "keywords": [words(1), words(1), f"k{n}"],  # k{n}: one entry's own word
    }
    if rng.random() < 0.1:
        body["freeStart"] = True
    else:
        body["startDate"] = start.isoformat()
        body["endDate"] = (start + timedelta(weeks=rng.randrange(6, 17))).isoformat()
    return body


# -- 1. search -------------------------------------------------------------------------------


def _node(root: Path, name: str, database_url: str | None) -> NodeRuntime:
    chain = {"chain": "off"}
    if database_url:
        chain["database_url"] = database_url
    return make_node(root / name, f"https://{name}.bench.example", chain)


def fill(node: NodeRuntime, entries: int, seed: int) -> dict[str, float]:
    """A fifth of ``entries`` published by the node, the rest kept from 4 members."""
    rng = random.Random(seed)
    catalogue = node.catalogue()
    own = entries // 5
    started = time.perf_counter()
    for n in range(own):
        made = catalogue.create(content(n, rng))
        catalogue.publish(made.id)
        if (n + 1) % 1000 == 0:
            progress(f"    {n + 1:,}/{own:,} published")
    published_s = time.perf_counter() - started
    started = time.perf_counter()
    at = datetime(2026, 11, 1, tzinfo=UTC)
    chunk: list[PeerCatalogueVersion] = []

    def flush() -> None:
        with node.sessions() as session, session.begin():
            session.add_all(chunk)
            session.flush()
            for kept in chunk:
                reindex_peer(session, kept.entry_url)
        chunk.clear()

    for n in range(own, entries):
        member = 2 + (n - own) % 4
        origin = f"https://uni-{member}.bench.example"
        entry_url = f"{origin}/catalogue/{n:08d}-0000-4000-8000-000000000000"
        document = {
            "id": f"{entry_url}/versions/1",
            "entry": entry_url,
            "version": 1,
            "publishedAt": (at + timedelta(seconds=n)).isoformat(timespec="microseconds"),
            "institution": {
                "id": f"did:web:uni-{member}.bench.example",
                "name": f"University {member}",
                "country": "FI",
                "homepage": origin,
            },
            "content": content(n, rng),
        }
        chunk.append(
            PeerCatalogueVersion(
                url=document["id"],
                member_id=member,
                entry_url=entry_url,
                number=1,
                state="published",
                document=document,
                digest=digest_of(document),
                anchor_block=1,
                anchor_time=at,
            )
        )
        if len(chunk) == 500:
            flush()
    flush()
    # As autovacuum would before long: VACUUM merges the GIN indexes' pending lists (a
    # bulk load leaves the new words there, read row by row until then), then ANALYZE.
    with node.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE catalogue_search"))
        else:
            connection.execute(text("ANALYZE"))
            optimize = "INSERT INTO catalogue_search_fts(catalogue_search_fts) VALUES ('optimize')"
            connection.execute(text(optimize))
    return {"published_s": published_s, "kept_s": time.perf_counter() - started}


def kinds(rng: random.Random, entries: int) -> dict[str, Callable[[], CatalogueQuery]]:
    """The kinds of query timed, each a fresh query per call."""
    return {
        "newest page, no words": lambda: CatalogueQuery(network=True),
        "one common word (en)": lambda: CatalogueQuery(text=rng.choice(WORDS["en"]), network=True),
        "one common word (fi)": lambda: CatalogueQuery(text=rng.choice(WORDS["fi"]), network=True),
        "two words (de)": lambda: CatalogueQuery(
            text=" ".join(rng.sample(WORDS["de"], 2)), network=True
        ),
        "a prefix (3 letters)": lambda: CatalogueQuery(
            text=rng.choice(WORDS["en"])[:3], network=True
        ),
        "one entry's own word": lambda: CatalogueQuery(
            text=f"k{rng.randrange(entries)}", network=True
        ),
        "filters: mode, EQF, ECTS ≥ 3": lambda: CatalogueQuery(
            mode=rng.choice(MODES), eqf=(rng.randrange(4, 9),), ects_min=3, network=True
        ),
        "word + field + language + dates": lambda: CatalogueQuery(
            text=rng.choice(WORDS["en"]),
            field="07",
            language="en",
            starts_from=date(2027, 3, 1),
            starts_until=date(2027, 9, 30),
            network=True,
        ),
        "page 10 of a common word": lambda: CatalogueQuery(
            text=rng.choice(WORDS["en"][:10]), offset=180, network=True
        ),
    }


def _ms(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = run()
    return (time.perf_counter() - started) * 1000, out


def _pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
    }


def time_search(node: NodeRuntime, args: argparse.Namespace) -> dict[str, Any]:
    searcher = CatalogueSearcher(node.sessions, dict)
    rng = random.Random(args.seed + 1)
    plan = kinds(rng, args.entries)
    for make in plan.values():  # warm-up, not counted
        for _ in range(5):
            query = make()
            searcher.search(query)
            searcher.bare(query)
    times: dict[str, dict[str, list[float]]] = {k: {"search": [], "bare": []} for k in plan}
    found: dict[str, list[int]] = {k: [] for k in plan}
    for _ in range(args.queries):
        for kind, make in plan.items():
            query = make()
            spent, results = _ms(lambda q=query: searcher.search(q))
            times[kind]["search"].append(spent)
            found[kind].append(results.total)
            spent, _ = _ms(lambda q=query: searcher.bare(q))
            times[kind]["bare"].append(spent)
    out: dict[str, Any] = {}
    for kind in plan:
        search, bare = _pct(times[kind]["search"]), _pct(times[kind]["bare"])
        out[kind] = {
            "search": search,
            "bare": bare,
            "ratio_p99": search["p99_ms"] / bare["p99_ms"],
            "matching": statistics.mean(found[kind]),
        }
    if args.explain:
        _explain(node, searcher)
    return out


def _explain(node: NodeRuntime, searcher: CatalogueSearcher) -> None:
    query = CatalogueQuery(text="data ethics", network=True)
    with node.sessions() as session:
        page, _ = searcher.statements(session, query, {})
        compiled = page.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        dialect = session.get_bind().dialect.name
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
        for row in session.execute(text(prefix + str(compiled))):
            progress("    " + " | ".join(str(c) for c in row))


def search(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for db in ("sqlite", "postgres") if args.db == "all" else (args.db,):
        progress(f"search on {db}: {args.entries:,} entries of 5 institutions")
        with ExitStack() as stack:
            url = (
                stack.enter_context(scratch_database(args.pg, "bench_catalogue"))
                if db == "postgres"
                else None
            )
            node = _node(root, f"search-{db}", url)
            stack.callback(node.close)
            filled = fill(node, args.entries, args.seed)
            progress(f"  timing {args.queries} rounds of {len(kinds(random.Random(), 1))} kinds")
            results[db] = {"fill": filled, "kinds": time_search(node, args)}
    return results


# -- 2. sync ---------------------------------------------------------------------------------


def sync(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process, url = start_anvil()
    rpc = {"chain": "rpc", "chain_rpc_url": url}
    try:
        # The peers serve only: no anchor service of theirs runs while the new node syncs.
        serve_only = rpc | {"anchor_worker": False}
        peers = [
            make_node(root / f"peer{i}", f"http://127.0.0.1:{anvil.free_port()}", serve_only)
            for i in range(args.peers)
        ]
        new = make_node(root / "new", "https://new.bench.example", rpc)
        deploy(peers[0], [*peers[1:], new])
        rng = random.Random(args.seed)
        setup = time.perf_counter()
        for i, peer in enumerate(peers):
            progress(f"  peer {i + 1}: publishing and anchoring {args.per_peer:,} entries")
            catalogue = peer.catalogue()
            for n in range(args.per_peer):
                catalogue.publish(catalogue.create(content(i * args.per_peer + n, rng)).id)
            anchorer = peer.catalogue_anchorer()
            while anchorer.run_once():
                pass
        setup = time.perf_counter() - setup
        with ExitStack() as stack:
            for peer in peers:
                stack.enter_context(serving(peer.settings))
            bare = _bare_transfer(peers)
            syncer = new.catalogue_sync()
            assert syncer is not None
            rss_before = maxrss_mib(resource.RUSAGE_SELF)
            started = time.perf_counter()
            kept = 0
            while (round_kept := syncer.run_once()) > 0:
                kept += round_kept
            full = time.perf_counter() - started
            started = time.perf_counter()
            again = syncer.run_once()
            unchanged = time.perf_counter() - started
        total = args.peers * args.per_peer
        assert kept == total and again == 0, (kept, again)
        found = (
            CatalogueSearcher(new.sessions, dict)
            .search(CatalogueQuery(network=True, limit=1))
            .total
        )
        assert found == total, found
        for node in [*peers, new]:
            node.close()
        return {
            "peers": args.peers,
            "versions": total,
            "setup_s": setup,
            "full_s": full,
            "versions_per_s": total / full,
            "bare_s": bare,
            "ratio": full / bare,
            "unchanged_s": unchanged,
            "peak_rss_mib": maxrss_mib(resource.RUSAGE_SELF),
            "rss_before_mib": rss_before,
        }
    finally:
        anvil.stop(process)


def deploy(first: NodeRuntime, others: list[NodeRuntime]) -> None:
    from node.ledger.connection import open_chain

    specs = []
    for node in others:
        with node.sessions() as session:
            institution = session.scalar(select(Institution))
        assert institution is not None
        specs.append(
            genesis_spec(
                node.identity(), institution, node.anchoring_account().address, frozenset({6})
            )
        )
    chain = open_chain(first.settings, first.anchoring_account())
    try:
        deployment = deploy_as_genesis(
            first.sessions,
            chain,
            first.identity(),
            first.anchoring_account(),
            frozenset({6}),
            specs,
        )
    finally:
        chain.close()
    for node in others:
        store_deployment(node.sessions, deployment)


def _bare_transfer(peers: list[NodeRuntime]) -> float:
    """The same GETs as a full sync, with nothing checked or stored."""
    started = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for peer in peers:
            index = client.get(f"{peer.settings.origin}/api/catalogue", params={"view": "index"})
            for item in index.json()["items"]:
                for version in item["versions"]:
                    client.get(version["url"], params={"format": "json"}).raise_for_status()
    return time.perf_counter() - started


# -- run ---------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    for db, figures in results.get("search", {}).items():
        fill_ = figures["fill"]
        lines += [
            "",
            f"search on {db} (fill: own published "
            f"{fill_['published_s']:.1f} s, members' kept {fill_['kept_s']:.1f} s)",
            "",
            "| query | search p50 | search p99 | bare p50 | bare p99 | p99 ratio | matching |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, f in figures["kinds"].items():
            lines.append(
                f"| {kind} | {f['search']['p50_ms']:.2f} ms | {f['search']['p99_ms']:.2f} ms | "
                f"{f['bare']['p50_ms']:.2f} ms | {f['bare']['p99_ms']:.2f} ms | "
                f"{f['ratio_p99']:.1f}× | {f['matching']:,.0f} |"
            )
    s = results.get("sync")
    if s:
        lines += [
            "",
            f"sync of a new node from {s['peers']} peers × {s['versions'] // s['peers']:,} "
            f"entries on anvil (set-up {s['setup_s']:.0f} s, not timed)",
            "",
            "| full sync | versions/s | bare transfer | ratio | next round (unchanged) | "
            "peak RSS |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {s['full_s']:.1f} s | {s['versions_per_s']:,.0f}/s | {s['bare_s']:.1f} s | "
            f"{s['ratio']:.1f}× | {s['unchanged_s'] * 1000:.0f} ms | {s['peak_rss_mib']:.0f} MiB |",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("search", "sync"))
    parser.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (admin URL)")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--peers", type=int, default=5)
    parser.add_argument("--per-peer", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        root = Path(tmp)
        if args.only in (None, "search"):
            results["search"] = search(args, root)
        if args.only in (None, "sync"):
            progress(f"sync: {args.peers} peers × {args.per_peer:,} entries")
            results["sync"] = sync(args, root)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
