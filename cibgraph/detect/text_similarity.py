"""Near-identical captions: normalisation, word shingles and an exact similarity join.

Copy-paste campaigns put lightly edited captions on different pictures: the
case changed, an emoji added, a word swapped, another hashtag tail. Exact
text keys (`Post.text_key`, written at ingest) miss them. Here every distinct
caption is normalised (`normalise_caption`), cut into overlapping word pairs
(`shingles`), and captions whose Jaccard similarity reaches `THRESHOLD` are
joined into one cluster. A cluster is one text item, as a cluster of
near-duplicate images is one image item (`cibgraph.detect.items`).

The join is exact: every pair at or above the threshold is found, none by
chance. Word pairs become integers, and a prefix filter proposes candidates:
with each caption's shingles ordered rarest first, two captions with
Jaccard >= t must share one of the first |s| - ceil(t |s|) + 1 shingles of
each. A MinHash LSH index (the earlier method) found a pair at Jaccard 0.5
only about two times in three at its settings, cost a Python object per
shingle, and took minutes on a quarter of a million tweets.

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
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cibgraph.detect.near_duplicates import UnionFind

THRESHOLD = 0.5
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


# Code point -> " " for every emoji or symbol seen so far, for `str.translate` (a C loop);
# each new character is classified once, so no Python runs per character of a caption.
_SYMBOLS: dict[int, str] = {}
_CLASSIFIED: set[int] = set()


def _strip_symbols(text: str) -> str:
    new = {ord(c) for c in set(text)} - _CLASSIFIED
    for cp in new:
        if _is_emoji_or_symbol(chr(cp)):
            _SYMBOLS[cp] = " "
    _CLASSIFIED.update(new)
    return text.translate(_SYMBOLS)


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
    norm = _strip_symbols(norm)
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
    min_words: int = MIN_FUZZY_WORDS,
    check: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """`(text_key, text)` pairs (distinct keys, any order; a stream is fine) ->
    {text_key: the smallest text_key of its cluster}.

    Only keys that join another key appear in the result. Two captions join when
    their shingle sets reach `threshold` Jaccard and they cite the same numbers;
    a cluster is a chain of such pairs. Exact, and independent of input order.
    Per caption only its key, an int and its word ids (8 bytes each) are kept.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    words: dict[str, int] = {}
    numbers: dict[frozenset[str], int] = {}
    keys: list[str] = []
    num_of = array("q")
    word_ids = array("q")
    ends = array("q")
    for n, (key, text) in enumerate(texts):
        if check is not None and n % 50_000 == 49_999:
            check("near_identical_texts")
        cap = normalise_caption(text)
        if len(cap.words) < min_words:
            continue
        word_ids.extend([words.setdefault(w, len(words)) for w in cap.words])
        ends.append(len(word_ids))
        keys.append(key)
        num_of.append(numbers.setdefault(_numbers(cap.words), len(numbers)))
    del words, numbers
    if len(keys) < 2:
        return {}
    flat, offsets = _shingle_sets(np.frombuffer(word_ids, dtype=np.int64), np.array(ends))
    del word_ids
    sizes = np.diff(offsets).tolist()
    bounds = offsets.tolist()
    uf = UnionFind(len(keys))
    for members in _candidate_groups(flat, offsets, np.array(num_of), threshold):
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                # |a & b| / |a | b| <= min / max: sizes alone rule most candidates out;
                # template captions make big clusters: skip pairs already joined
                if (
                    min(sizes[i], sizes[j]) >= threshold * max(sizes[i], sizes[j])
                    and uf.find(i) != uf.find(j)
                    and _jaccard_sorted(
                        flat[bounds[i] : bounds[i + 1]], flat[bounds[j] : bounds[j + 1]]
                    )
                    >= threshold
                ):
                    uf.union(i, j)
    # each cluster is named by its smallest key (the input need not be sorted)
    smallest: dict[int, str] = {}
    roots = [uf.find(n) for n in range(len(keys))]
    for n, r in enumerate(roots):
        if r not in smallest or keys[n] < smallest[r]:
            smallest[r] = keys[n]
    out = {key: smallest[r] for key, r in zip(keys, roots, strict=True)}
    return {k: v for k, v in out.items() if k != v}


def _shingle_sets(
    word_ids: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every caption's set of word pairs, sorted, as one flat array and offsets: a word pair
    is one integer, the two word ids side by side."""
    starts = np.concatenate(([0], ends[:-1]))
    owner = np.repeat(np.arange(len(ends), dtype=np.int64), ends - starts)
    # a pair starts at every word but the last of its caption
    first = np.ones(len(word_ids), dtype=bool)
    first[ends - 1] = False
    at = np.flatnonzero(first)
    pairs = (word_ids[at] << 32) | word_ids[at + 1]
    owner = owner[at]
    order = np.lexsort((pairs, owner))
    pairs, owner = pairs[order], owner[order]
    keep = np.ones(len(pairs), dtype=bool)
    keep[1:] = (pairs[1:] != pairs[:-1]) | (owner[1:] != owner[:-1])
    pairs, owner = pairs[keep], owner[keep]
    offsets = np.searchsorted(owner, np.arange(len(ends) + 1)).astype(np.int64)
    return pairs, offsets


def _numbers(words: Sequence[str]) -> frozenset[str]:
    """The words that cite a number (`isalpha` first: it is C, and most words pass it)."""
    return frozenset(w for w in words if not w.isalpha() and any(c.isdigit() for c in w))


def _jaccard_sorted(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> float:
    both = len(set(a.tolist()).intersection(b.tolist()))
    return both / (len(a) + len(b) - both)


def _candidate_groups(
    flat: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    num_of: npt.NDArray[np.int64],
    threshold: float,
) -> Iterator[list[int]]:
    """Groups of captions (ascending) that share a prefix shingle and cite the same numbers.
    Every pair at or above `threshold` Jaccard is inside some group (prefix filtering)."""
    sizes = np.diff(offsets)
    owner = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    # rarest first; ties by shingle id, so the order is total and the same on every run
    rank_of = np.empty(len(counts), dtype=np.int64)
    rank_of[np.lexsort((np.arange(len(counts)), counts))] = np.arange(len(counts))
    rank = rank_of[inverse.ravel()]
    del inverse, rank_of, counts
    order = np.lexsort((rank, owner))
    owner, rank = owner[order], rank[order]
    position = np.arange(len(owner)) - offsets[owner]
    prefix = sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + 1
    keep = position < prefix[owner]
    owner, rank = owner[keep], rank[keep]
    order = np.lexsort((owner, rank, num_of[owner]))
    owner, rank = owner[order], rank[order]
    nums = num_of[owner]
    new_group = np.ones(len(owner), dtype=bool)
    new_group[1:] = (rank[1:] != rank[:-1]) | (nums[1:] != nums[:-1])
    bounds = np.flatnonzero(np.append(new_group, True))
    big = np.flatnonzero(np.diff(bounds) >= 2)
    for lo, hi in zip(bounds[big].tolist(), bounds[big + 1].tolist(), strict=True):
        yield owner[lo:hi].tolist()
