"""The console's institution and network pages over HTTP: the requirement profile and the
approval chain as configured; the network's members and proposals — on the embedded chain
(this institution alone), with no chain, and on anvil, where B's management votes an
admission through from the console (and A's second vote is refused, saying why)."""

from __future__ import annotations

import re

from node.db.models import StaffRole
from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_console import chain_node, signed_in  # noqa: F401 - a fixture
from tests.integration.test_governance import (  # noqa: F401 - network: a fixture
    membership_application,
    network,
    post_json,
    tick,
)


def test_the_institution_page_shows_profile_and_chain(chain_node: RunningNode) -> None:  # noqa: F811
    teacher = signed_in(chain_node, "teach", StaffRole.TEACHER)
    page = teacher.client.get("/console/institution?lang=en")
    assert page.status_code == 200
    assert re.search(r'id="profile-ects">1(\.0)? – 5(\.0)?<', page.text), page.text
    assert 'id="profile-eqf">5, 6, 7, 8<' in page.text
    stages = re.findall(r'<li data-stage="\d">(.*?)</li>', page.text)
    assert len(stages) == 3 and "Programme committee" in stages[0] and "signs" in stages[2]


def test_one_institution_on_its_embedded_chain(node: RunningNode) -> None:
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    page = teacher.client.get("/console/network?lang=en")
    assert page.status_code == 200, page.text
    assert "the network is this institution alone" in page.text
    assert 'id="own-member">member 1<' in page.text
    assert page.text.count("data-member=") == 1 and 'id="no-proposals"' in page.text
    assert 'id="chain-none">No approval chain' in teacher.client.get("/console/institution").text


def test_with_no_chain_the_page_says_so(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    running = start_node(make_settings(tmp_path / "data", database_url, chain="off"))
    with running.client:
        teacher = signed_in(running, "teach", StaffRole.TEACHER)
        page = teacher.client.get("/console/network?lang=en")
        assert page.status_code == 200 and 'id="no-chain"' in page.text
        assert 'id="network"' not in teacher.client.get("/console/dashboard").text
    running.runtime.close()


def test_management_votes_from_the_console(network: list[RunningNode]) -> None:  # noqa: F811
    a, b, c = network
    proposed = post_json(a, "/proposals/admission", membership_application(c))
    assert proposed.status_code == 201, proposed.text
    proposal_id = proposed.json()["proposal"]["id"]
    manager_a = signed_in(a, "mgmt.a", StaffRole.MANAGEMENT)
    page = manager_a.client.get("/console/network?lang=en")
    assert f'data-proposal="{proposal_id}" data-state="open"' in page.text
    assert "1 for, 0 against, of 2" in page.text
    again = manager_a.client.post(
        f"/console/network/proposals/{proposal_id}/vote",
        data={"csrf": manager_a.csrf(page.text), "support": "yes"},
    )
    assert again.status_code == 409 and "AlreadyVoted" in again.text

    registrar_b = signed_in(b, "reg.b", StaffRole.REGISTRAR)
    seen = registrar_b.client.get("/console/network?lang=en")
    assert 'name="support"' not in seen.text  # a registrar does not vote for the institution
    refused = registrar_b.client.post(
        f"/console/network/proposals/{proposal_id}/vote",
        data={"csrf": registrar_b.csrf(seen.text), "support": "yes"},
    )
    assert refused.status_code == 403
    manager_b = signed_in(b, "mgmt.b", StaffRole.MANAGEMENT)
    page = manager_b.client.get("/console/network?lang=en")
    for choice in ({}, {"support": "maybe"}):  # no choice is no "no": refused, on the page
        unclear = manager_b.client.post(
            f"/console/network/proposals/{proposal_id}/vote",
            data={"csrf": manager_b.csrf(page.text), **choice},
        )
        assert unclear.status_code == 422, unclear.text
        assert "Choose yes or no." in unclear.text and "<html" in unclear.text
    voted = manager_b.client.post(
        f"/console/network/proposals/{proposal_id}/vote",
        data={"csrf": manager_b.csrf(page.text), "support": "yes"},
    )
    assert voted.status_code == 200, voted.text
    assert f"vote on proposal {proposal_id} is in block" in voted.text
    assert f'data-proposal="{proposal_id}" data-state="executed"' in voted.text
    tick()  # the member list is read again once the chain's head has moved on (≤ 1 s)
    after = manager_b.client.get("/console/network?lang=en").text
    assert after.count('data-status="active"') == 3, after  # C is admitted
    assert "3 active member institutions" in after
