"""Seals: every stored event hashed and chained to its aggregate's previous event, and the log's
Merkle tree over them.

An event's digest is SHA-256 over what the store holds of it: its aggregate's id (hex), its
version, its topic and its state (the transcoder's bytes), each prefixed with its length in
decimal and a colon (as a netstring is), so that no two events hash alike. Its seal is SHA-256
over the previous event's seal (of the same aggregate: writers on different deals never wait for
each other) and its digest; a first event's previous seal is 32 zero bytes. So changing an event
changes its digest, and removing or reordering one breaks the chain at the next.

Across the whole log, the seals in log order are the leaves of a Merkle tree hashed as RFC 9162
(section 2.1, the same as RFC 6962's): a leaf is SHA-256(0x00 || seal), a node
SHA-256(0x01 || left || right), an empty tree SHA-256 of nothing. Its root and size, kept
somewhere else (`dealflow checkpoint`), prove later that the log still holds every event it
covered, unchanged and in order.
"""

from __future__ import annotations

from hashlib import sha256
from uuid import UUID

ZERO = bytes(32)  # the seal before an aggregate's first event
EMPTY_ROOT = sha256(b"").digest()


def key(originator_id: UUID | str) -> str:
    """An aggregate's id as every store's seals name it: its UUID in hex (SQLite's own spelling)."""
    if isinstance(originator_id, UUID):
        return originator_id.hex
    if len(originator_id) == 32 and originator_id.islower():  # as SQLite holds it: no need to parse it
        return originator_id
    return UUID(str(originator_id)).hex


def digest(originator_id: UUID | str, version: int, topic: str, state: bytes | str) -> bytes:
    """SHA-256 over what the store holds of one event, each part prefixed with its length."""
    return hashed(key(originator_id), version, topic, state)


def hashed(hex_key: str, version: int, topic: str, state: bytes | str) -> bytes:
    """`digest` of an aggregate id already in hex (`key`): the walk of a million events calls this."""
    held = state.encode() if isinstance(state, str) else bytes(state)  # text where SQL rewrote the bytes
    k, v, t = hex_key.encode(), b"%d" % version, topic.encode()
    return sha256(b"%d:%s%d:%s%d:%s%d:%s" % (len(k), k, len(v), v, len(t), t, len(held), held)).digest()


def chained(previous: bytes, event_digest: bytes) -> bytes:
    """An event's seal: its digest chained to its aggregate's previous seal."""
    return sha256(previous + event_digest).digest()


def leaf(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """RFC 9162's Merkle tree hash of a sequence given one leaf at a time, in memory logarithmic in
    its size: the roots of its complete subtrees, largest first, merged as equal ones meet."""

    __slots__ = ("_subtrees", "size")

    def __init__(self) -> None:
        self.size = 0
        self._subtrees: list[tuple[int, bytes]] = []  # (height, hash)

    def add(self, data: bytes) -> None:
        subtrees = self._subtrees
        height, value = 0, leaf(data)
        while subtrees and subtrees[-1][0] == height:
            value = node(subtrees.pop()[1], value)
            height += 1
        subtrees.append((height, value))
        self.size += 1

    def root(self) -> bytes:
        """The tree hash of the leaves so far: the subtrees merged from the right, as RFC 9162 splits
        a tree at the largest power of two below its size."""
        if not self._subtrees:
            return EMPTY_ROOT
        value = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            value = node(left, value)
        return value
