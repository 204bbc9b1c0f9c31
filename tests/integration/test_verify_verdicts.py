"""Issue 11, items 10 and 11b: "valid" means every check ran and passed, and the verdict
says whom it relies on — the network (chain id, name, members) and the issuer (name,
domain) —, plainly so when the trust anchor is one institution's own chain."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.web.i18n import LANGUAGES, t
from tests.conftest import RunningNode, make_settings, start_node

FORMATS = ["ldp_vc+eddsa-rdfc-2022", "jwt_vc_json", "dc+sd-jwt"]


def _issue(node: RunningNode, n: int = 31) -> dict[str, Any]:
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(n), "formats": FORMATS},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"id": body["id"], **{c["format"]: c["credential"] for c in body["credentials"]}}


def _verify(node: RunningNode, credential: Any) -> dict[str, Any]:
    response = node.client.post("/api/verify", json={"credential": credential})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    report["by_name"] = {c["name"]: c for c in report["checks"]}
    return report


def _page(node: RunningNode, credential: Any, lang: str) -> str:
    text = credential if isinstance(credential, str) else json.dumps(credential)
    response = node.client.post("/verify", data={"credential": text, "lang": lang})
    assert response.status_code == 200, response.text
    return response.text


def _sentences(html: str) -> str:
    """What a person reads: the verdict box and the checks' sentences, tags stripped."""
    return re.sub(r"<[^>]+>", " ", html)


def test_a_credential_issued_a_moment_ago_is_pending_then_valid(node: RunningNode) -> None:
    issued = _issue(node)
    for fmt in FORMATS:
        report = _verify(node, issued[fmt])
        assert report["verdict"] == "pending", (fmt, report["checks"])
        assert report["verified"] is True  # nothing failed
        assert report["by_name"]["anchor"]["ok"] is None
        assert "pending" in report["by_name"]["anchor"]["detail"]
        status = report["by_name"]["status"]["detail"]
        # VCDM 2.0 copies list revocation first; jwt_vc_json and SD-JWT VC have one 2-bit list
        first = "revocation" if fmt.startswith("ldp_vc") else "status"
        assert f"not published yet ({first} list)" in status, status
    html = _page(node, issued["ldp_vc+eddsa-rdfc-2022"], "en")
    assert 'data-verdict="pending"' in html and t("en", "v.pending") in html
    assert t("en", "c.anchor.pending") in html
    node.anchor_all()
    for fmt in FORMATS:
        report = _verify(node, issued[fmt])
        assert report["verdict"] == "valid", (fmt, report["checks"])
        assert all(c["ok"] is True for c in report["checks"][:-1]), report["checks"]


def test_the_verdict_names_the_network_and_the_issuer(node: RunningNode) -> None:
    issued = _issue(node)
    node.anchor_all()
    report = _verify(node, issued["ldp_vc+eddsa-rdfc-2022"])
    assert report["verdict"] == "valid"
    assert report["trust"] == {
        "network": {"chainId": 1337, "name": None, "members": 1, "singleInstitution": True},
        "issuer": {
            "did": "did:web:uni-a.example",
            "domain": "uni-a.example",
            "name": "Universidad Ejemplo",
        },
        "note": "the trust anchor is one institution's own chain: no other institution "
        "vouches for this credential",
    }
    for lang in LANGUAGES:
        html = _page(node, issued["ldp_vc+eddsa-rdfc-2022"], lang)
        issuer = "Universidad Ejemplo (uni-a.example)"
        network = t(lang, "trust.chain").format(chain=1337)
        values = {"issuer": issuer, "network": network, "members": 1}
        assert t(lang, "v.valid.single").format(**values) in html, lang
        assert t(lang, "trust.single").format(**values) in html, lang
        assert t(lang, "v.valid.why") not in html  # "issued by an accredited member"
        # (the sentence ends with the facts: "… (since 2025-07-01).")
        assert t(lang, "c.membership.1.single").rstrip(".") in html
        assert t(lang, "c.membership.1").rstrip(".") not in html


def test_a_tampered_credential_is_not_said_to_await_the_ledger(node: RunningNode) -> None:
    issued = _issue(node)
    node.anchor_all()
    tampered = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    tampered["credentialSubject"]["familyName"] = "Mallory"
    report = _verify(node, tampered)
    assert report["verdict"] == "invalid"
    for lang in LANGUAGES:
        html = _page(node, tampered, lang)
        assert t(lang, "c.anchor.unknown") in html, lang
        assert t(lang, "c.anchor.pending") not in html
        assert "not recorded on the ledger yet" not in html


def test_a_reinstatement_not_yet_anchored_is_worded_as_such(node: RunningNode) -> None:
    issued = _issue(node)
    node.anchor_all()
    credential = issued["ldp_vc+eddsa-rdfc-2022"]
    suspended = node.client.post(
        f"/admin/credentials/{issued['id']}/suspend", json={"reason": "t"}, headers=node.auth()
    )
    assert suspended.status_code == 200, suspended.text
    node.anchor_all()
    status = _verify(node, credential)["by_name"]["status"]
    assert status["detail"] == "suspended (suspension list v2)", status
    reinstated = node.client.post(
        f"/admin/credentials/{issued['id']}/reinstate", json={"reason": "t"}, headers=node.auth()
    )
    assert reinstated.status_code == 200, reinstated.text
    node.runtime.status().publish_changed()  # signed and published, not anchored yet
    report = _verify(node, credential)
    assert report["verdict"] == "suspended"
    assert report["by_name"]["status"]["detail"] == (
        "suspended (suspension list v2); reinstated in v3, not yet anchored"
    )
    node.anchor_all()
    assert _verify(node, credential)["verdict"] == "valid"


@pytest.fixture
def lost_chain(tmp_path: Path, database_url: str) -> Iterator[tuple[RunningNode, dict[str, Any]]]:
    """A node whose embedded chain folder was lost after it anchored a credential."""
    settings = make_settings(tmp_path / "data", database_url)
    before = start_node(settings)
    with before.client:
        issued = _issue(before)
        before.anchor_all()
        assert _verify(before, issued["ldp_vc+eddsa-rdfc-2022"])["verdict"] == "valid"
    before.runtime.close()
    shutil.rmtree(settings.chain_dir)
    from fastapi.testclient import TestClient

    from node.app import create_app
    from tests.conftest import memory_keys

    app = create_app(settings, keystore_factory=memory_keys(settings.data_dir))
    after = RunningNode(TestClient(app, raise_server_exceptions=False), settings, "", "", "")
    with after.client:
        yield after, issued
    after.runtime.close()


def test_a_lost_chain_folder_makes_the_checks_unavailable_not_a_500(
    lost_chain: tuple[RunningNode, dict[str, Any]],
) -> None:
    node, issued = lost_chain
    for fmt in FORMATS:
        report = _verify(node, issued[fmt])
        assert report["verdict"] == "cannot_check", (fmt, report["checks"])
        anchor = report["by_name"]["anchor"]
        assert anchor["ok"] is None and "not on the configured chain" in anchor["detail"]
        assert report["trust"]["network"] is None
    for lang in LANGUAGES:
        text = _sentences(_page(node, issued["ldp_vc+eddsa-rdfc-2022"], lang))
        assert t(lang, "c.anchor.n") in text and "None" not in text, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_shows_a_python_none(node: RunningNode, lang: str) -> None:
    issued = _issue(node)
    odd = copy.deepcopy(issued["ldp_vc+eddsa-rdfc-2022"])
    del odd["issuer"]
    odd["proof"]["type"] = None
    odd["credentialStatus"][0].pop("statusPurpose")
    _header, payload, signature = issued["jwt_vc_json"].split(".")
    for credential in (odd, f"e30.{payload}.{signature}"):  # e30: a JWT header "{}"
        report = _verify(node, credential)
        assert "None" not in json.dumps(report["checks"]), report["checks"]
        assert "None" not in _sentences(_page(node, credential, lang))
