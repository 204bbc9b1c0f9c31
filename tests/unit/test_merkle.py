"""anchoring.merkle: RFC 9162 §2.1 tree hash and inclusion proofs.

Known answers come from the Certificate Transparency vectors of transparency-dev/merkle (see the
SOURCE note in each file under vectors/ct/); the rest compares against a direct transcription of
the recursive definitions of RFC 9162 §2.1.1 and §2.1.3.1 and checks random trees.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from anchoring.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    split_proof,
    verify_inclusion,
    verify_inclusion_hash,
)

VECTORS = Path(__file__).parent / "vectors" / "ct"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    assert data["SOURCE"]
    return data


REF = _load("reference_tree.json")
REF_LEAVES = [bytes.fromhex(h) for h in REF["leaves"]]
PROBES = _load("inclusion_probes.json")["probes"]


# --- known answers (CT vectors) --------------------------------------------------------------


def test_empty_root_is_sha256_of_empty_string() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert MerkleTree([]).root == EMPTY_ROOT
    assert len(MerkleTree([])) == 0
    assert list(MerkleTree([]).all_proofs()) == []
    with pytest.raises(IndexError):
        MerkleTree([]).proof(0)


@pytest.mark.parametrize("size", range(9))
def test_ct_root_hashes(size: int) -> None:
    tree = MerkleTree(REF_LEAVES[:size])
    assert tree.root.hex() == REF["rootHashes"][size]
    assert tree.size == size


def test_ct_leaf_and_node_hashes() -> None:
    level = [leaf_hash(leaf) for leaf in REF_LEAVES]
    for expected in REF["nodeHashes"]:
        assert [h.hex() for h in level] == expected
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    tree = MerkleTree(REF_LEAVES)
    assert [tree.leaf_hash(i).hex() for i in range(8)] == REF["nodeHashes"][0]


@pytest.mark.parametrize(
    "vector", REF["inclusionProofs"], ids=lambda v: f"{v['index']}of{v['treeSize']}"
)
def test_ct_inclusion_proofs(vector: dict[str, Any]) -> None:
    index, size = vector["index"], vector["treeSize"]
    path = [bytes.fromhex(h) for h in vector["path"]]
    tree = MerkleTree(REF_LEAVES[:size])
    assert tree.proof(index) == path
    assert tree.proof_bytes(index) == b"".join(path)
    assert list(tree.all_proofs())[index] == b"".join(path)
    root = bytes.fromhex(REF["rootHashes"][size])
    assert verify_inclusion(REF_LEAVES[index], index, size, path, root)
    assert verify_inclusion(REF_LEAVES[index], index, size, b"".join(path), root)


def test_ct_all_paths_of_reference_tree_verify() -> None:
    for size in range(1, 9):
        tree = MerkleTree(REF_LEAVES[:size])
        root = bytes.fromhex(REF["rootHashes"][size])
        for index, blob in enumerate(tree.all_proofs()):
            assert verify_inclusion(REF_LEAVES[index], index, size, blob, root)


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p["file"].removeprefix("testdata/"))
def test_ct_inclusion_probes(probe: dict[str, Any]) -> None:
    ok = verify_inclusion_hash(
        bytes.fromhex(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        [bytes.fromhex(h) for h in probe["proof"]],
        bytes.fromhex(probe["root"]),
    )
    assert ok is not probe["wantErr"], probe["desc"]


def test_ct_probes_cover_happy_and_corrupted_cases() -> None:
    assert len(PROBES) == 98
    assert sum(not p["wantErr"] for p in PROBES) == 6
    happy = [p for p in PROBES if p["desc"] == "happy path"]
    expected = {(0, 1), (0, 8), (5, 8), (2, 3), (1, 5)}
    assert {(p["leafIdx"], p["treeSize"]) for p in happy} == expected
    # the happy paths agree with the trees we build from the reference leaves
    for p in happy:
        tree = MerkleTree(REF_LEAVES[: p["treeSize"]])
        assert tree.root.hex() == p["root"]
        assert tree.leaf_hash(p["leafIdx"]).hex() == p["leafHash"]
        assert [h.hex() for h in tree.proof(p["leafIdx"])] == p["proof"]


# --- equivalence with the recursive definitions of RFC 9162 ----------------------------------

_REC_LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(300)]


@cache
def _mth(start: int, end: int) -> bytes:
    """RFC 9162 §2.1.1 MTH(D[start:end]), transcribed directly (memoised on the range)."""
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + _REC_LEAVES[start]).digest()
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
    return hashlib.sha256(b"\x01" + _mth(start, start + k) + _mth(start + k, end)).digest()


def _path(m: int, start: int, end: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) with m relative to start (leaf-first order)."""
    n = end - start
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, start, start + k), _mth(start + k, end)]
    return [*_path(m - k, start + k, end), _mth(start, start + k)]


def test_bottom_up_build_equals_recursive_definition_n_0_to_300() -> None:
    for n in range(301):
        leaves = _REC_LEAVES[:n]
        tree = MerkleTree(leaves)
        assert tree.root == _mth(0, n), n
        streamed = list(tree.all_proofs())
        assert len(streamed) == n
        for m in range(n):
            expected = _path(m, 0, n)
            assert tree.proof(m) == expected, (n, m)
            assert streamed[m] == b"".join(expected), (n, m)
            assert verify_inclusion(leaves[m], m, n, expected, tree.root), (n, m)


def test_from_leaf_hashes_matches_leaves() -> None:
    leaves = _REC_LEAVES[:37]
    tree = MerkleTree.from_leaf_hashes(leaf_hash(x) for x in leaves)
    assert tree.root == MerkleTree(leaves).root
    with pytest.raises(ValueError):
        MerkleTree.from_leaf_hashes([b"short"])


# --- properties on random trees ---------------------------------------------------------------


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@pytest.mark.parametrize("seed", range(10))
def test_random_trees_every_proof_verifies_and_tampering_fails(seed: int) -> None:
    rng = random.Random(seed)
    n = [1, 2, 3][seed] if seed < 3 else rng.randint(4, 2000)
    leaves = [rng.randbytes(32) for _ in range(n)]
    tree = MerkleTree(leaves)
    root = tree.root
    proofs = list(tree.all_proofs())
    assert len(proofs) == n
    other_root = MerkleTree([*leaves[:-1], rng.randbytes(32)]).root
    for i, blob in enumerate(proofs):
        assert blob == tree.proof_bytes(i)
        path = split_proof(blob)
        assert verify_inclusion(leaves[i], i, n, path, root)
        if i % 7 and n > 3:
            continue  # the negative checks on a sample keep the test fast
        assert not verify_inclusion(_flip(leaves[i], rng.randrange(256)), i, n, path, root)
        assert not verify_inclusion(leaves[i], i, n, path, other_root)
        assert not verify_inclusion(leaves[i], i, n, path, _flip(root, rng.randrange(256)))
        # a wrong tree size changes the shape (RFC 9162 §2.1.3.2 derives it from tree_size)
        assert not verify_inclusion(leaves[i], i, n * 2, path, root)
        assert not verify_inclusion(leaves[i], i, n // 2, path, root)
        assert not verify_inclusion(leaves[i], n + i, n, path, root)
        if n > 1:
            wrong = rng.choice([j for j in (i - 1, i + 1, i ^ 1, i ^ 2) if 0 <= j < n and j != i])
            assert not verify_inclusion(leaves[i], wrong, n, path, root)
            assert not verify_inclusion(leaves[wrong], i, n, path, root)
            k = rng.randrange(len(path))
            assert not verify_inclusion(leaves[i], i, n, [*path[:k], *path[k + 1 :]], root)
            bad = [*path[:k], _flip(path[k], rng.randrange(256)), *path[k + 1 :]]
            assert not verify_inclusion(leaves[i], i, n, bad, root)
            assert not verify_inclusion(leaves[i], i, n, blob[:-1], root)
        assert not verify_inclusion(leaves[i], i, n, [*path, root], root)
        assert not verify_inclusion(leaves[i], i, n, [root, *path], root)
        assert not verify_inclusion(leaves[i], -1, n, path, root)


def test_one_leaf_tree() -> None:
    leaf = bytes(32)
    tree = MerkleTree([leaf])
    assert tree.root == leaf_hash(leaf) == hashlib.sha256(b"\x00" + leaf).digest()
    assert tree.proof(0) == []
    assert list(tree.all_proofs()) == [b""]
    assert verify_inclusion(leaf, 0, 1, [], tree.root)
    assert not verify_inclusion(leaf, 0, 1, [tree.root], tree.root)
    assert not verify_inclusion(leaf, 1, 1, [], tree.root)
    assert not verify_inclusion(leaf, 0, 0, [], tree.root)
    with pytest.raises(IndexError):
        tree.proof(1)
    with pytest.raises(IndexError):
        tree.proof(-1)


def test_odd_sizes_promote_last_node_without_duplication() -> None:
    a, b, c = (bytes([i]) * 32 for i in range(3))
    tree = MerkleTree([a, b, c])
    la, lb, lc = leaf_hash(a), leaf_hash(b), leaf_hash(c)
    assert tree.root == node_hash(node_hash(la, lb), lc)
    assert tree.root != node_hash(node_hash(la, lb), node_hash(lc, lc))  # Bitcoin-style
    assert tree.proof(2) == [node_hash(la, lb)]
    assert tree.proof(0) == [lb, lc]


def test_split_proof_rejects_ragged_blob() -> None:
    assert split_proof(b"") == []
    assert split_proof(bytes(64)) == [bytes(32), bytes(32)]
    with pytest.raises(ValueError):
        split_proof(bytes(33))
