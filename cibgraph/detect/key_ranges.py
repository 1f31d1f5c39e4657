"""Split a read over every post's caption key into bounded pieces.

Grouping posts by caption key (`Post.text_key`) is an aggregation: Neo4j
holds every group of the read before it sends the first row, in the
transaction's memory. At ten million posts almost every caption is its own
group, and one such read outgrew `dbms.memory.transaction.total.max` on an
8 GB heap. Caption keys are sha1 hex digests, spread evenly over the hex
prefixes, so cutting the key space at prefixes of `digits` hex digits gives
reads of about equal size, each its own transaction, each using the key's
range index.

The ranges cover every string, not only hex ones: the first is open below and
the last open above, so a key of any shape falls in exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass

POSTS_PER_READ = 250_000  # posts one grouped read covers: bounds the server's memory per read


@dataclass(frozen=True)
class KeyRange:
    """Keys `lo <= k < hi`; None is open on that side."""

    lo: str | None
    hi: str | None

    def where(self, key: str) -> str:
        """The Cypher condition on `key` (the bounds themselves go as `$lo` and `$hi`)."""
        parts = [f"{key} IS NOT NULL"]
        if self.lo is not None:
            parts.append(f"{key} >= $lo")
        if self.hi is not None:
            parts.append(f"{key} < $hi")
        return " AND ".join(parts)

    def params(self) -> dict[str, str]:
        return {
            name: value for name, value in (("lo", self.lo), ("hi", self.hi)) if value is not None
        }


# One range for every key: a read in one go.
WHOLE = (KeyRange(None, None),)


def key_ranges(posts: int, per_read: int = POSTS_PER_READ) -> list[KeyRange]:
    """Ranges of about `per_read` of `posts` evenly spread hex keys each (one when they fit),
    in key order."""
    if per_read < 1:
        raise ValueError(f"per_read must be at least 1 (got {per_read})")
    digits = 0
    while posts > per_read * 16**digits and digits < 4:
        digits += 1
    if digits == 0:
        return list(WHOLE)
    cuts = [format(n, f"0{digits}x") for n in range(1, 16**digits)]
    bounds: list[str | None] = [None, *cuts, None]
    return [KeyRange(lo, hi) for lo, hi in zip(bounds, bounds[1:], strict=False)]
