"""The console's dashboard over HTTP, on SQLite and PostgreSQL: the registry's counts, what
waits for the member's approval, the records issued this month, anchoring (copies waiting,
the last anchored batch, the chain's state) and the network (its name and active members)."""

from __future__ import annotations

import re

from node.credentials.examples import example_claims
from node.db.models import StaffRole
from tests.conftest import RunningNode
from tests.integration.test_console import chain_node, signed_in  # noqa: F401 - a fixture


def _count(page: str, name: str) -> str:
    found = re.search(rf'data-count="{name}">([^<]+)<', page)
    assert found, (name, page)
    return found.group(1)


def test_the_dashboard_tells_counts_anchoring_and_network(node: RunningNode) -> None:
    registrar = signed_in(node, "reg", StaffRole.REGISTRAR)
    response = node.client.post(
        "/admin/credentials/batch",
        json={"items": [{"claims": example_claims(80 + i)} for i in range(2)]},
        headers=node.auth(),
    )
    assert response.status_code == 200, response.text
    before = registrar.client.get("/console/dashboard?lang=en").text
    assert _count(before, "issued-this-month") == "2"
    assert int(_count(before, "pending-copies")) >= 2
    assert 'id="last-batch">none yet<' in before
    # anchoring runs in the tests' own hands (no worker in this process)
    assert 'data-state="anchoring runs in a separate process"' in before
    node.anchor_all()
    after = registrar.client.get("/console/dashboard?lang=en").text
    assert _count(after, "pending-copies") == "0"
    assert re.search(r'id="last-batch">\d+ credentials?, block \d+', after), after
    assert "1 active member institution" in after and "embedded chain" in after


def test_waiting_for_me_counts_the_members_stages(chain_node: RunningNode) -> None:  # noqa: F811
    node = chain_node
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    committee = signed_in(node, "commi", StaffRole.COMMITTEE)
    response = node.client.post(
        "/admin/credentials", json={"claims": example_claims(90), "issue": False},
        headers=node.auth(),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert _count(committee.client.get("/console/dashboard").text, "waiting-for-me") == "1"
    assert _count(teacher.client.get("/console/dashboard").text, "waiting-for-me") == "0"
