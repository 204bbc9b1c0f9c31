"""Concurrent issuance never hands out one status index twice (PostgreSQL and SQLite), and
every record's message entry is its revocation entry's twin (same index, paired list)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy import func, select

from node.db.engine import make_engine, migrate, session_factory
from node.db.models import StatusAllocation, StatusList
from node.status.allocation import StatusAllocator

PROCESSES, ROUNDS, PER_ROUND = 4, 5, 150
SMALL_LIST = 1024  # small lists so the processes also race to open new ones


def _allocate(url: str) -> list[tuple[int, int, int, int, int, int]]:
    engine = make_engine(url)
    allocator = StatusAllocator(session_factory(engine), list_size=SMALL_LIST)
    try:
        return [
            (*a.revocation, *a.suspension, *(a.message or (-1, -1)))
            for _ in range(ROUNDS)
            for a in allocator.allocate(PER_ROUND)
        ]
    finally:
        engine.dispose()


def test_concurrent_processes_never_share_an_index(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with ProcessPoolExecutor(PROCESSES, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_allocate, [database_url] * PROCESSES))
    handed_out = [row for result in results for row in result]
    revocation = [(r[0], r[1]) for r in handed_out]
    suspension = [(r[2], r[3]) for r in handed_out]
    total = PROCESSES * ROUNDS * PER_ROUND
    assert len(handed_out) == total
    assert len(set(revocation)) == total, "a revocation index was handed out twice"
    assert len(set(suspension)) == total, "a suspension index was handed out twice"
    with session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(StatusAllocation))
        lists = session.scalars(select(StatusList)).all()
    assert stored == 2 * total
    assert all(status_list.allocated <= status_list.size for status_list in lists)
    by_purpose = {p: [s for s in lists if s.purpose == p] for p in ("revocation", "suspension")}
    assert len({s.purpose for s in lists}) == 3
    assert all(len(found) >= total // SMALL_LIST for found in by_purpose.values())
    # One message list per revocation list (created concurrently too), the same indexes.
    pairs = {s.source_list_id: s.id for s in lists if s.purpose == "message"}
    assert set(pairs) == {s.id for s in by_purpose["revocation"]}
    assert all(r[5] == r[1] and r[4] == pairs[r[0]] for r in handed_out)
    engine.dispose()
