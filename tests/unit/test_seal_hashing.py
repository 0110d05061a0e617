"""The seals' hashing: an event's digest tells apart every field it covers, its seal chains to the
one before, and the Merkle tree hashes exactly as RFC 9162 defines it, leaf by leaf."""

from hashlib import sha256
from uuid import uuid4

import pytest

from dealflow.storage import seals


def rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 section 2.1.1 defines it, recursively: the reference the tree is held to."""
    n = len(leaves)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return sha256(b"\x01" + rfc9162_root(leaves[:k]) + rfc9162_root(leaves[k:])).digest()


@pytest.mark.parametrize("size", [*range(0, 34), 63, 64, 65, 100, 1000])
def test_the_tree_given_leaf_by_leaf_has_the_rfc_9162_root(size):
    leaves = [sha256(str(n).encode()).digest() for n in range(size)]
    tree = seals.MerkleTree()
    for data in leaves:
        tree.add(data)
    assert (tree.size, tree.root()) == (size, rfc9162_root(leaves))


def test_a_tree_read_midway_has_the_root_of_the_leaves_so_far():
    leaves = [bytes([n]) * 32 for n in range(20)]
    tree = seals.MerkleTree()
    roots = []
    for data in leaves:
        tree.add(data)
        roots.append(tree.root())
    assert roots == [rfc9162_root(leaves[: n + 1]) for n in range(20)]


def test_an_events_digest_changes_with_each_field_it_covers():
    deal = uuid4()
    base = seals.digest(deal, 3, "dealflow.aggregates.events:NoteAdded", b'{"text":"call"}')
    assert seals.digest(uuid4(), 3, "dealflow.aggregates.events:NoteAdded", b'{"text":"call"}') != base
    assert seals.digest(deal, 4, "dealflow.aggregates.events:NoteAdded", b'{"text":"call"}') != base
    assert seals.digest(deal, 3, "dealflow.aggregates.events:Reopened", b'{"text":"call"}') != base
    assert seals.digest(deal, 3, "dealflow.aggregates.events:NoteAdded", b'{"text":"calm"}') != base
    assert seals.digest(deal.hex, 3, "dealflow.aggregates.events:NoteAdded", b'{"text":"call"}') == base


def test_a_byte_moved_from_one_field_to_the_next_changes_the_digest():
    deal = uuid4()
    assert seals.digest(deal, 1, "topic:A", b"Bstate") != seals.digest(deal, 1, "topic:AB", b"state")


def test_a_seal_depends_on_the_seal_before_it():
    event = seals.digest(uuid4(), 2, "t", b"{}")
    first, other = seals.chained(seals.ZERO, b"a" * 32), seals.chained(seals.ZERO, b"b" * 32)
    assert seals.chained(first, event) != seals.chained(other, event)


def test_the_seals_a_process_wrote_are_remembered_by_aggregate_and_version_and_the_oldest_forgotten():
    from dealflow.storage.sealing import Recent

    recent = Recent()
    recent.LIMIT = 2
    a, b, c = (uuid4() for _ in range(3))
    recent.remember([(a, 1, b"a1"), (a, 2, b"a2"), (b.hex, 1, b"b1")])
    assert (recent.get(a.hex, 2), recent.get(a.hex, 1), recent.get(b.hex, 1)) == (b"a2", None, b"b1")
    recent.remember([(c, 1, b"c1")])
    assert (recent.get(a.hex, 2), recent.get(b.hex, 1), recent.get(c.hex, 1)) == (None, b"b1", b"c1")
