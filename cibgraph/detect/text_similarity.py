"""Near-identical captions: normalisation, word shingles and MinHash LSH (`datasketch`).

Copy-paste campaigns put lightly edited captions on different pictures: the
case changed, an emoji added, a word swapped, another hashtag tail. Exact
text keys (`Post.text_key`, written at ingest) miss them. Here every distinct
caption is normalised (`normalise_caption`), cut into overlapping word pairs
(`shingles`), and captions whose estimated Jaccard similarity reaches
`THRESHOLD` are joined into one cluster. A cluster is one text item, as a
cluster of near-duplicate images is one image item (`cibgraph.detect.items`).

Texts that cite different numbers are different messages, however alike the
rest: "day 3 of the march" and "day 4 of the march", or a template filled in
with a new count each time, are a series, and each instance is its own item.

Short texts get no fuzzy matching at all: with fewer than `MIN_FUZZY_WORDS`
words ("100% agree", "so true") a single swapped word is a different
message, and such phrases are written independently by strangers every
day. They still match exactly (through their text key), where the rarity
weighting of the coordination score discounts phrases that many accounts use.

The threshold was measured on generated paraphrases and unrelated captions
(`bench/text_threshold_bench.py`, docs/detection.md): paraphrases with up
to two edited words in 10+ word captions sit at Jaccard 0.55-0.9, unrelated
captions built from the same vocabulary below 0.25.

Pure functions; no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from cibgraph.detect.near_duplicates import UnionFind

THRESHOLD = 0.5
NUM_PERM = 64
SHINGLE_WORDS = 2
MIN_FUZZY_WORDS = 6

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Caption:
    """A caption as compared: its words (in order) and, apart, its hashtags."""

    words: tuple[str, ...]
    hashtags: tuple[str, ...]


def _is_emoji_or_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat.startswith("S") or cat in ("Cn", "Co", "Cs") or ch in "\u200d\ufe0f"


def normalise_caption(text: str | None) -> Caption:
    """NFKC, case-folded; URLs, @mentions, emoji and symbols removed; whitespace folded;
    hashtags taken out of the words and kept apart (they are context, not the message)."""
    if not text:
        return Caption((), ())
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = _URL.sub(" ", norm)
    norm = _MENTION.sub(" ", norm)
    hashtags = tuple(dict.fromkeys(_HASHTAG.findall(norm)))
    norm = _HASHTAG.sub(" ", norm)
    norm = "".join(" " if _is_emoji_or_symbol(c) else c for c in norm)
    words = tuple(_WORD.findall(norm))
    return Caption(words, hashtags)


def shingles(words: Sequence[str], k: int = SHINGLE_WORDS) -> set[str]:
    """Overlapping runs of `k` words (the words themselves when there are fewer)."""
    if len(words) < k:
        return set(words)
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def text_clusters(
    texts: Iterable[tuple[str, str]],
    *,
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    min_words: int = MIN_FUZZY_WORDS,
) -> dict[str, str]:
    """`(text_key, text)` pairs -> {text_key: the smallest text_key of its cluster}.

    Only keys that join another key appear in the result. Candidates come from
    MinHash LSH; each candidate pair is confirmed with the exact Jaccard of the
    shingle sets, so the LSH's estimate never decides alone (no false merges
    from an unlucky hash) and the result does not depend on the order of input.
    """
    by_key: dict[str, set[str]] = {}
    numbers: dict[str, frozenset[str]] = {}
    for key, text in texts:
        if key in by_key:
            continue
        cap = normalise_caption(text)
        if len(cap.words) < min_words:
            continue
        by_key[key] = shingles(cap.words)
        numbers[key] = frozenset(w for w in cap.words if any(c.isdigit() for c in w))
    keys = sorted(by_key)
    if len(keys) < 2:
        return {}
    # an LSH threshold a little under the confirmed one keeps recall at the boundary
    lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=num_perm)
    sets = [by_key[k] for k in keys]
    nums = [numbers[k] for k in keys]
    minhashes = MinHash.bulk([[s.encode() for s in sh] for sh in sets], num_perm=num_perm)
    for n, mh in enumerate(minhashes):
        lsh.insert(n, mh, check_duplication=False)
    uf = UnionFind(len(keys))
    for n, mh in enumerate(minhashes):
        for m in lsh.query(mh):
            # template captions make big clusters: skip pairs already joined
            if (
                m > n
                and nums[m] == nums[n]
                and uf.find(m) != uf.find(n)
                and jaccard(sets[n], sets[m]) >= threshold
            ):
                uf.union(n, m)
    # the union-find root is the smallest index, and keys are sorted: the smallest key
    return {key: keys[uf.find(n)] for n, key in enumerate(keys) if uf.find(n) != n}
