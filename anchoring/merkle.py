"""RFC 9162 §2.1 Merkle Tree Hash (Certificate Transparency v2) with inclusion proofs.

Hashing (RFC 9162 §2.1.1, SHA-256):

* empty tree: ``MTH({}) = SHA-256()``;
* leaf: ``MTH({d0}) = SHA-256(0x00 || d0)``;
* node: ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` with ``k`` the largest power
  of two smaller than ``n``. There is no duplication of an unpaired last node.

Our leaves are the 32-byte credential digests (docs/architecture.md, "Anchoring"); they
are still hashed with the 0x00 prefix like any RFC 9162 leaf input, so the published CT
vectors apply unchanged.

Construction. The recursive split of §2.1.1 equals a bottom-up build in which, on each level,
nodes are paired left to right and an unpaired last node is promoted unchanged to the next level
(the left subtree ``D[0:k]`` is always perfect, so every level's pairing boundaries coincide with
the split points). :class:`MerkleTree` keeps every level as a list of 32-byte hashes; an
inclusion path (§2.1.3.1) is then pure index arithmetic: on each level the sibling ``i ^ 1`` if
it exists, nothing if the node was promoted.

Proof representation. A path is ``list[bytes]`` (:meth:`MerkleTree.proof`) or, compactly, the
concatenation of its 32-byte siblings (:meth:`MerkleTree.proof_bytes`, :meth:`all_proofs`);
:func:`split_proof` converts back. For 1,000,000 leaves the levels take ~160 MB, while all paths
together are ~640 MB of hashes, so :meth:`MerkleTree.all_proofs` *streams* them (in leaf order,
each path computed from its parent's shared suffix: ~2 concatenations per leaf) rather than
holding them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "leaf_hash",
    "node_hash",
    "split_proof",
    "verify_inclusion",
    "verify_inclusion_hash",
]

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
"""RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string, SHA-256()."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: ``SHA-256(0x00 || data)``."""
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return sha256(_NODE_PREFIX + left + right).digest()


def split_proof(blob: bytes) -> list[bytes]:
    """Split a concatenated inclusion path (as from :meth:`MerkleTree.proof_bytes`) into hashes.

    Raises ``ValueError`` if the length is not a multiple of 32.
    """
    if len(blob) % HASH_SIZE:
        raise ValueError(f"proof length {len(blob)} is not a multiple of {HASH_SIZE}")
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


class MerkleTree:
    """An RFC 9162 §2.1 Merkle tree over a fixed sequence of leaves.

    ``MerkleTree(leaves)`` hashes every leaf with :func:`leaf_hash` (leaves may be any bytes;
    ours are 32-byte SHA-256 digests of credentials) and builds all levels at once.
    :meth:`from_leaf_hashes` starts from already-hashed leaves. The tree is immutable.
    """

    __slots__ = ("_levels",)

    _levels: list[list[bytes]]
    """``_levels[0]`` the leaf hashes, ``_levels[-1] == [root]``; empty for the empty tree."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        self._build([sha256(_LEAF_PREFIX + leaf).digest() for leaf in leaves])

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> MerkleTree:
        """A tree whose level 0 is ``hashes`` (each already ``SHA-256(0x00 || leaf)``)."""
        level = list(hashes)
        for h in level:
            if len(h) != HASH_SIZE:
                raise ValueError(f"leaf hash of {len(h)} bytes, expected {HASH_SIZE}")
        tree: MerkleTree = cls.__new__(cls)  # the class itself: its private build is its own
        tree._build(level)
        return tree

    def _build(self, level: list[bytes]) -> None:
        """Bottom-up build; an unpaired last node is promoted unchanged (RFC 9162 §2.1.1)."""
        levels = [level] if level else []
        prefix = _NODE_PREFIX
        while len(level) > 1:
            pairs = iter(level)  # zip(it, it): consecutive (left, right) pairs, last odd one left
            upper = [
                sha256(prefix + left + right).digest()
                for left, right in zip(pairs, pairs, strict=False)
            ]
            if len(level) & 1:
                upper.append(level[-1])
            levels.append(upper)
            level = upper
        self._levels = levels

    def __len__(self) -> int:
        """The tree size (number of leaves)."""
        return len(self._levels[0]) if self._levels else 0

    @property
    def size(self) -> int:
        """The tree size (number of leaves)."""
        return len(self)

    @property
    def root(self) -> bytes:
        """The Merkle Tree Hash MTH(D[n]) of RFC 9162 §2.1.1 (``EMPTY_ROOT`` when n = 0)."""
        return self._levels[-1][0] if self._levels else EMPTY_ROOT

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash ``SHA-256(0x00 || leaf)`` stored for ``index``."""
        self._check(index)
        return self._levels[0][index]

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise IndexError(f"leaf index {index} out of range for tree size {len(self)}")

    def proof(self, index: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 inclusion path PATH(index, D[n]), bottom-up (leaf's sibling first).

        Empty for a one-leaf tree. Raises ``IndexError`` unless ``0 <= index < size``.
        """
        self._check(index)
        path: list[bytes] = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            # else: the last, unpaired node of this level, promoted without a sibling
            index >>= 1
        return path

    def proof_bytes(self, index: int) -> bytes:
        """:meth:`proof` as one ``bytes``: the concatenated 32-byte siblings, bottom-up."""
        return b"".join(self.proof(index))

    def all_proofs(self) -> Iterator[bytes]:
        """Yield :meth:`proof_bytes` of every leaf, in leaf order, without storing them.

        Leaves ``2k`` and ``2k + 1`` share the path of their parent ``k`` on level 1, which shares
        the path of its own parent, and so on. The suffix for each level is kept on a small stack
        and rebuilt only when that level's ancestor changes, so the whole run costs about two
        concatenations per leaf instead of one per path element.
        """
        levels = self._levels
        n = len(self)
        if n <= 1:
            if n:
                yield b""  # a one-leaf tree: the leaf hash is the root, the path is empty
            return
        height = len(levels) - 1  # levels[height] holds the root
        # suffix[lv]: the concatenated path above level lv of the current ancestor on level lv
        # (its own sibling included); suffix[height] is the root's, i.e. empty.
        suffix = [b""] * (height + 1)
        leaves = levels[0]
        top = height - 1  # highest level that can contribute a sibling
        for k in range((n + 1) >> 1):
            # ancestors on level lv >= 1 are k >> (lv - 1); those with lv - 1 <= tz(k) changed
            lv = top if k == 0 else min(top, (k & -k).bit_length())
            while lv >= 1:
                level = levels[lv]
                j = k >> (lv - 1)
                sibling = j ^ 1
                if sibling < len(level):
                    suffix[lv] = level[sibling] + suffix[lv + 1]
                else:
                    suffix[lv] = suffix[lv + 1]
                lv -= 1
            above = suffix[1]
            left = k << 1
            if left + 1 < n:
                yield leaves[left + 1] + above
                yield leaves[left] + above
            else:  # the unpaired last leaf: promoted, no sibling on level 0
                yield above


def verify_inclusion_hash(
    leaf_hash: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes] | bytes,
    root: bytes,
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` prove ``leaf_hash`` at ``index`` in the tree ``root``?

    ``leaf_hash`` is the already-hashed leaf, ``SHA-256(0x00 || leaf)``. ``proof`` is the
    inclusion path as a sequence of 32-byte hashes or as their concatenation. Hashes of the
    wrong size (leaf, root or any path element) make the proof fail.
    """
    if isinstance(proof, bytes | bytearray | memoryview):
        if len(proof) % HASH_SIZE:
            return False
        proof = split_proof(bytes(proof))
    if len(leaf_hash) != HASH_SIZE or len(root) != HASH_SIZE:
        return False
    # 1. leaf_index must be < tree_size.
    if not 0 <= index < tree_size:
        return False
    # 2. fn = leaf_index, sn = tree_size - 1;  3. r = hash.
    fn, sn, r = index, tree_size - 1, leaf_hash
    prefix = _NODE_PREFIX
    # 4. for each p in inclusion_path:
    for p in proof:
        if len(p) != HASH_SIZE:
            return False
        # a. sn == 0: the path is longer than the tree is tall.
        if sn == 0:
            return False
        # b. fn is a right child, or the last node of its level (promoted past empty levels).
        if fn & 1 or fn == sn:
            r = sha256(prefix + p + r).digest()
            while fn and not fn & 1:  # ii. skip the levels where fn was promoted unpaired
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(prefix + r + p).digest()
        # c. shift once.
        fn >>= 1
        sn >>= 1
    # 5. the path must have reached the root, and r must equal root_hash.
    return sn == 0 and r == root


def verify_inclusion(
    leaf: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes] | bytes,
    root: bytes,
) -> bool:
    """RFC 9162 §2.1.3.2 for the leaf input ``leaf`` (hashed here with :func:`leaf_hash`).

    See :func:`verify_inclusion_hash` for the arguments.
    """
    return verify_inclusion_hash(leaf_hash(leaf), index, tree_size, proof, root)
