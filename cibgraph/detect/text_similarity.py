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

No database. The results depend on the input alone; past `PROCESS_AFTER` chunks the
cutting into words runs in a subprocess (`word_process.py`), with the same result.
"""

from __future__ import annotations

import os
import pickle
import queue
import re
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cibgraph.detect.arrays import distinct, firsts, ranges
from cibgraph.detect.budget import helper_started, helper_stopped, release_memory

THRESHOLD = 0.5
SHINGLE_WORDS = 2
MIN_FUZZY_WORDS = 6

# Applied to case-folded text (so no IGNORECASE). The look-behind comes after the
# literal so that `re` can skip ahead to each "@" or "#": three times faster.
_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION_AT = r"@(?<![\w@]@)\w+"
_HASHTAG_AT = r"#(?<![\w#]#)"  # then the tag's word
_MENTION = re.compile(_MENTION_AT)
_HASHTAG = re.compile(_HASHTAG_AT + r"(\w+)")
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
    processes: bool = True,
) -> dict[str, str]:
    """`(text_key, text)` pairs (distinct keys, any order; a stream is fine) ->
    {text_key: the smallest text_key of its cluster}.

    Only keys that join another key appear in the result. Two captions join when
    their shingle sets reach `threshold` Jaccard and they cite the same numbers;
    a cluster is a chain of such pairs. Exact, and independent of input order.
    Per caption only its key (a sha1 digest's 20 bytes, past a million in a temporary file:
    `_Keys`), two 4-byte ints and its word pairs (8 bytes each while they are counted, 4
    after) are kept; captions are read and cut into word pairs a chunk at a time.
    `check` (a memory budget's) is called between chunks of every phase: the join's peak
    comes after the last caption is read, when its shared word pairs are counted and
    grouped, so that is where a run past its budget must stop.
    With `processes`, past `PROCESS_AFTER` chunks the captions are cut into words in a
    process of its own (`_EncoderProcess`) while this one reads on; the result is the same.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")

    def checked() -> None:
        if check is not None:
            check("near_identical_texts")

    encoded = _Encoded(min_words, processes)
    try:
        chunk: list[tuple[str, str]] = []
        for key, text in texts:
            chunk.append((key, text))
            if len(chunk) == CHUNK:
                encoded.add(chunk)
                chunk = []
                checked()
                # Reading frees many small objects between the chunks' arrays, and glibc
                # keeps that heap: 2 million captions held 533 MB for 236 MB of arrays
                # once read. A trim every few chunks hands it back as it goes.
                if encoded.chunks % TRIM_EVERY == 0:
                    release_memory()
        encoded.add(chunk)
        encoded.finish()
    finally:
        encoded.close()
    keys = encoded.keys
    # one array each, the chunks' own dropped (they were a second copy through `_shared`)
    sizes = np.concatenate([np.zeros(0, np.int32), *encoded.sizes])
    num_of = np.concatenate([np.zeros(0, np.int32), *encoded.num_of])
    chunk_sizes = np.split(sizes, np.cumsum([len(n) for n in encoded.sizes])[:-1])
    encoded.sizes, encoded.num_of = [], []
    if len(keys) < 2:
        return {}
    checked()
    # the reading freed many small objects: give their pages back before the join's peak
    release_memory()
    flat, offsets, counts = _shared(encoded.shingles, chunk_sizes, checked)
    del chunk_sizes
    del encoded
    release_memory()
    checked()
    parent = np.arange(len(keys), dtype=np.int64)
    shares = _candidate_groups(flat, offsets, sizes, counts, num_of, threshold, checked)
    del num_of, counts  # the groups' generator drops them once it has used them
    pairs = (pair for groups in shares for pair in _candidate_pairs(*groups))
    for a, b, pa_, pb_ in pairs:
        checked()
        i, j = np.minimum(a, b), np.maximum(a, b)
        pi, pj = np.where(a < b, pa_, pb_), np.where(a < b, pb_, pa_)
        del a, b, pa_, pb_
        # |a & b| / |a | b| <= min / max: sizes alone rule many candidates out
        si, sj = sizes[i].astype(np.int64), sizes[j].astype(np.int64)
        ok = np.minimum(si, sj) >= threshold * np.maximum(si, sj)
        ok &= _may_reach(si, sj, pi, pj, threshold)
        pair = distinct((i[ok] << 32) | j[ok])  # a pair may share several prefix shingles
        i, j = pair >> 32, pair & 0xFFFFFFFF
        # template captions make big clusters: skip pairs already joined
        apart = _roots(parent, i) != _roots(parent, j)
        i, j = i[apart], j[apart]
        # at most about ELEMENTS shingles at a time, however long the captions
        work = np.cumsum(sizes[i] + sizes[j]) // ELEMENTS
        for lo, hi in _runs(work):
            similar = _jaccard_many(flat, offsets, sizes, i[lo:hi], j[lo:hi]) >= threshold
            _union(parent, i[lo:hi][similar], j[lo:hi][similar])
    # each cluster is named by its smallest key (the input need not be sorted)
    roots = _roots(parent, np.arange(len(keys), dtype=np.int64))
    joined = np.flatnonzero(np.bincount(roots)[roots] >= 2).tolist()
    names = keys.names(joined)
    keys.close()
    named = list(zip(names, roots[joined].tolist(), strict=True))
    smallest: dict[int, str] = {}
    for key, r in named:
        if r not in smallest or key < smallest[r]:
            smallest[r] = key
    out = {key: smallest[r] for key, r in named}
    return {k: v for k, v in out.items() if k != v}


# Candidate pairs are made this many at a time, and their shingle sets compared this
# many shingles at a time: a few arrays of that many int64s.
PAIR_BATCH = 200_000
ELEMENTS = 4_000_000


def _runs(labels: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """(start, end) of each run of equal values in a sorted array."""
    edges = [*np.flatnonzero(firsts(labels)).tolist(), len(labels)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _may_reach(
    si: npt.NDArray[np.int64],
    sj: npt.NDArray[np.int64],
    pi: npt.NDArray[np.int64],
    pj: npt.NDArray[np.int64],
    threshold: float,
) -> npt.NDArray[np.bool_]:
    """Whether captions of `si` and `sj` shingles that share the shingle at (rarest-first)
    positions `pi` and `pj` could reach `threshold`, were it the first one they share.

    Nothing rarer is shared then (a rarer shared shingle would sit in both prefixes too),
    so they share at most that one and the fewer of the shingles after it in either. A
    pair's first shared shingle always passes when the pair is similar enough; later
    shared ones may fail, which only drops a copy of the pair (PPJoin's positional filter,
    Xiao et al. 2008). In a group of a common shingle most members hold it last in their
    prefix, so this rules most of a big group's pairs out before any set is compared.
    Jaccard >= t  <=>  overlap >= t / (1 + t) * (si + sj).
    """
    most = 1 + np.minimum(si - pi - 1, sj - pj - 1)
    return most * (1 + threshold) >= threshold * (si + sj) - 1e-9


def _candidate_pairs(
    members: npt.NDArray[np.int64],
    places: npt.NDArray[np.int64],
    indexed: npt.NDArray[np.bool_],
    bounds: npt.NDArray[np.int64],
    batch: int = PAIR_BATCH,
) -> Iterator[
    tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
    ]
]:
    """Inside each group, every pair with an indexed member, `batch` or so at a time, with
    the place of the group's shingle in each. `members[bounds[g]:bounds[g + 1]]` is group
    g, its indexed members first (see `_candidate_groups`); `places` gives each member's
    place (rarest first) of the group's shingle."""
    if len(members) == 0:
        return
    sizes = np.diff(bounds)
    # an indexed member pairs with every member after it; the others start no pairs
    later = np.repeat(bounds[1:], sizes) - np.arange(len(members)) - 1
    later[~indexed] = 0
    total = np.cumsum(later)
    cuts = np.searchsorted(total, np.arange(batch, int(total[-1]), batch)) + 1
    edges = distinct(np.concatenate(([0], cuts, [len(members)]))).tolist()
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        count = later[lo:hi]
        first = np.repeat(np.arange(lo, hi, dtype=np.int64), count)
        second = ranges(np.arange(lo + 1, hi + 1, dtype=np.int64), count)
        yield members[first], members[second], places[first], places[second]


def _jaccard_many(
    flat: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int32],
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Jaccard of the shingle sets of captions i[k] and j[k], for every k at once: each
    set is sorted, so (k, shingle) keys of i's sets are one sorted array to search.
    `flat` holds only shared shingles (`_shared`), which are all an overlap can hold;
    `sizes` are the whole sets' sizes."""
    li, lj = offsets[i + 1] - offsets[i], offsets[j + 1] - offsets[j]
    k = np.arange(len(i), dtype=np.int64)
    key_i = (np.repeat(k, li) << 32) | flat[ranges(offsets[i], li)]
    pair_j = np.repeat(k, lj)
    key_j = (pair_j << 32) | flat[ranges(offsets[j], lj)]
    at = np.minimum(np.searchsorted(key_i, key_j), max(len(key_i) - 1, 0))
    both = np.bincount(pair_j[key_i[at] == key_j], minlength=len(i)) if len(key_i) else li * 0
    return both / (sizes[i] + sizes[j] - both)


def _roots(parent: npt.NDArray[np.int64], x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    r = parent[x]
    while True:
        up = parent[r]
        if np.array_equal(up, r):
            return r
        r = up


def _union(
    parent: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> None:
    """Join the sets of a[k] and b[k] for every k. Every parent is smaller than its child,
    so hooking each root under the smallest root it meets makes no cycle."""
    while len(a):
        ra, rb = _roots(parent, a), _roots(parent, b)
        apart = ra != rb
        if not apart.any():
            break
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
    # path compression, so later look-ups take few steps
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return
        parent[:] = up


# Chunks read between two trims of the heap (`release_memory`, about a millisecond each).
TRIM_EVERY = 8
# Texts normalised per call to C: one string of CHUNK captions at a time, so the
# per-caption Python of `normalise_caption` (half the time of a join) is paid per chunk.
CHUNK = 20_000
# A whitespace character (so no pattern reads across it) that NFKC and case folding leave
# alone and compose with nothing: captions joined by it normalise as they do apart.
_SEP = "\x1e"
# The words left once mentions and hashtags are gone, in one scan instead of two `sub`s
# and a `findall` (about 0.1 s less per 260,000 IRA-shaped captions): a mention or a
# hashtag matches with an empty group, a word or the separator in group 1. A hashtag right
# after a mention goes with it because, removed in turn, the mention leaves a space before
# it. URLs stay a pass of their own: one can start inside a word.
_TOKEN = re.compile(_MENTION_AT + r"(?:#\w+)?|" + _HASHTAG_AT + r"\w+|(\w+|" + _SEP + ")")


def _fold(text: str) -> str:
    """NFKC, then case folding (as `normalise_caption`); ASCII text needs only `lower`."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


# One chunk encoded: kept captions' positions, their word pairs (flat), pairs per caption,
# and the id of the numbers each cites.
Encoded = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]
# Chunks encoded here before the rest go to a process of their own: a small input is not
# worth the process's start (about half a second, numpy and Arrow imported afresh). After
# 8 chunks, the real IRA captions (240,373, 12 chunks) took 4.6-4.7 s against 3.8-4.3 s.
PROCESS_AFTER = 16
IN_FLIGHT = 2


class _Encoded:
    """The encoded chunks, in order, and where they are encoded: here, or, once
    `PROCESS_AFTER` chunks have come and `processes` allows, in an `_EncoderProcess`
    handed this encoder's state (its vocabulary), so ids go on as they would here.

    Cutting captions into words is Python holding the lock (regular expressions, string
    objects), about 15 s of 2.2 million IRA-shaped captions, while this process also
    decodes what Neo4j sends; on two cores each gets one. The encoder's process keeps
    only its vocabulary, and is gone before the join's peak."""

    def __init__(self, min_words: int, processes: bool) -> None:
        self.encoder = _Encoder(min_words)
        self.processes = processes
        self.worker: _EncoderProcess | None = None
        self.pending: list[list[str]] = []  # keys of chunks sent, not yet back
        self.chunks = 0
        self.keys = _Keys()
        self.shingles: list[npt.NDArray[np.int64]] = []  # per chunk, flat
        # per chunk, shingles per caption and the numbers' ids, as 4 bytes (the encoder's
        # 8 held for every caption were 80 MB more at 10 million captions)
        self.sizes: list[npt.NDArray[np.int32]] = []
        self.num_of: list[npt.NDArray[np.int32]] = []

    def add(self, chunk: list[tuple[str, str]]) -> None:
        if not chunk:
            return
        self.chunks += 1
        texts = [t for _, t in chunk]
        if self.worker is None and self.processes and self.chunks > PROCESS_AFTER:
            self.worker = _EncoderProcess(self.encoder)
        if self.worker is None:
            self._store([k for k, _ in chunk], self.encoder.encode(texts))
            return
        self.worker.send(texts)
        self.pending.append([k for k, _ in chunk])
        # at most IN_FLIGHT chunks sent and not back: a reader faster than the encoder
        # would otherwise queue every caption's text in this process
        while self.pending and (got := self.worker.take(len(self.pending) > IN_FLIGHT)):
            self._store(self.pending.pop(0), got)

    def finish(self) -> None:
        while self.worker is not None and self.pending:
            got = self.worker.take(block=True)
            assert got is not None
            self._store(self.pending.pop(0), got)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _store(self, keys: list[str], encoded: Encoded) -> None:
        kept_at, pairs, sizes, num_of = encoded
        self.keys.add([keys[i] for i in kept_at.tolist()])
        self.shingles.append(pairs)
        # checked here, before the ids are cut to 4 bytes: `_candidate_groups` packs them
        # above a shingle's rank and a flag, in 30 bits
        if len(num_of) and int(num_of.max()) >= 1 << 30:
            raise ValueError("more than 2**30 distinct sets of numbers cited")
        self.sizes.append(sizes.astype(np.int32))
        self.num_of.append(num_of.astype(np.int32))


_HEX = re.compile(r"[0-9a-f]*")
SHA1_HEX = 40
DIGEST = SHA1_HEX // 2
# Keys held in memory before the rest are written to a temporary file (`_Keys`).
SPILL_AFTER = 1_000_000


class _Keys:
    """The kept captions' keys, in order, held through the whole join only to name the
    clusters at the end. Keys ingest writes are sha1 hex digests (`normalise.text_key`):
    a chunk of those is kept as their 20 bytes each, not 40 characters and an offset
    (at 10 million captions, 200 instead of 440 MB); a chunk with any other key as text.
    Past `SPILL_AFTER` keys, digest chunks go to a temporary file instead (the join reads
    back only the few it names), so they are not in memory at the join's peak; where the
    file cannot be written, they stay in memory."""

    def __init__(self, spill_after: int | None = None) -> None:
        # an Arrow array, or where the chunk's digests start in the spill file
        self.chunks: list[pa.Array | int] = []
        self.starts = [0]
        self.spill_after = SPILL_AFTER if spill_after is None else spill_after
        self._file: IO[bytes] | None = None

    def __len__(self) -> int:
        return self.starts[-1]

    def add(self, keys: list[str]) -> None:
        joined = "".join(keys)
        chunk: pa.Array | int
        if len(joined) == SHA1_HEX * len(keys) and _HEX.fullmatch(joined):
            raw = bytes.fromhex(joined)
            spilled = self._spill(raw) if len(self) >= self.spill_after else None
            if spilled is not None:
                chunk = spilled
            else:
                buffers = [None, pa.py_buffer(raw)]
                chunk = pa.Array.from_buffers(pa.binary(DIGEST), len(keys), buffers)
        else:
            chunk = pa.array(keys, pa.string())
        self.chunks.append(chunk)
        self.starts.append(self.starts[-1] + len(keys))

    def _spill(self, raw: bytes) -> int | None:
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="cibgraph-keys-")
            at = self._file.seek(0, os.SEEK_END)
            self._file.write(raw)
            return at
        except OSError:  # a full or read-only temporary directory: keep them here
            return None

    def names(self, at: list[int]) -> list[str]:
        """The keys at positions `at` (as given)."""
        where = np.asarray(at, dtype=np.int64)
        chunk_of = np.searchsorted(self.starts, where, side="right") - 1
        out: list[str] = [""] * len(where)
        order = np.argsort(chunk_of, kind="stable")
        for lo, hi in _runs(chunk_of[order]):
            mine = order[lo:hi]
            c = int(chunk_of[mine[0]])
            chunk, offsets = self.chunks[c], (where[mine] - self.starts[c]).tolist()
            if isinstance(chunk, int):
                assert self._file is not None
                got: list[str] = []
                for n in offsets:
                    self._file.seek(chunk + n * DIGEST)
                    got.append(self._file.read(DIGEST).hex())
            else:
                got = [
                    key.hex() if isinstance(key, bytes) else key
                    for key in chunk.take(pa.array(offsets, pa.int64())).to_pylist()
                ]
            for n, key in zip(mine.tolist(), got, strict=True):
                out[n] = key
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _EncoderProcess:
    """`_Encoder.encode` in a process of its own (`word_process.py`), chunks in the order
    sent. A thread here reads its results as they come, so it never waits to write one
    while this process waits to send it a chunk."""

    def __init__(self, encoder: _Encoder) -> None:
        env = dict(os.environ)
        # the child imports this package from where this process found it
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "cibgraph.detect.word_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        helper_started(self._proc.pid)
        self._results: queue.Queue[object] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="caption-words", daemon=True)
        self._reader.start()
        self._waiting = 0
        self._put(encoder)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        try:
            while True:
                self._results.put(pickle.load(self._proc.stdout))
        except EOFError:
            pass
        except Exception as exc:  # a torn pickle: the process died mid-write
            self._results.put(exc)
        finally:
            self._results.put(_CLOSED)

    def _put(self, obj: object) -> None:
        assert self._proc.stdin is not None
        try:
            pickle.dump(obj, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._stopped() from None

    def _stopped(self) -> RuntimeError:
        try:
            code = self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        return RuntimeError(
            f"the process cutting captions into words stopped (exit code {code}) "
            f"with {self._waiting} chunks to go"
        )

    def send(self, texts: list[str]) -> None:
        self._put(texts)
        self._waiting += 1

    def take(self, block: bool) -> Encoded | None:
        """The next chunk encoded, in the order sent; None if it is not ready (without
        `block`) or none is outstanding."""
        if not self._waiting:
            return None
        try:
            got = self._results.get() if block else self._results.get_nowait()
        except queue.Empty:
            return None
        if got is _CLOSED:
            self._results.put(_CLOSED)
            raise self._stopped()
        if isinstance(got, BaseException):
            raise RuntimeError("cutting captions into words failed") from got
        self._waiting -= 1
        return got  # type: ignore[return-value]

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._put(None)
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        helper_stopped(self._proc.pid)


_CLOSED = object()  # the results' end: the process closed its output


class _Encoder:
    """Captions -> word ids as flat int64 arrays (one per chunk), the same words
    `normalise_caption` gives, for those with at least `min_words` words."""

    def __init__(self, min_words: int) -> None:
        self.min_words = min_words
        self.vocab: dict[str, int] = {}
        self.cites_number = bytearray()  # per word id, 1 if it cites a number
        self.numbers: dict[bytes, int] = {}
        # a chunk of one caption holds no separator, and `words` looks its id up
        self._word_id(_SEP)

    def encode(self, texts: list[str]) -> Encoded:
        """Each caption of `texts` with `min_words` or more words: its position in `texts`,
        its set of word pairs (a pair is the two word ids in one int64; sorted, so one flat
        array for the chunk), their number, and the id of the numbers it cites."""
        kept_at, ids, owner = self.words(texts)
        num_of = self._number_sets(ids, owner, kept_at)
        # a pair starts at every word but the last of its caption
        at = np.flatnonzero(owner[1:] == owner[:-1])
        row = np.searchsorted(kept_at, owner[at])
        bits = max(1, (len(self.vocab) - 1).bit_length())
        pairs, sizes = _pair_sets(row, ids[at], ids[at + 1], len(kept_at), bits)
        return kept_at, pairs, sizes, num_of

    def words(
        self, texts: list[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(kept captions' positions in `texts`, their word ids in order, each word's
        caption position): the words of `normalise_caption`, for many captions at once."""
        texts = [t or "" for t in texts]
        if any(_SEP in t for t in texts):  # a caption holds the separator itself
            texts = [t.replace(_SEP, " ") for t in texts]
        # Folded per caption, not as one joined string, so the ASCII ones skip NFKC and full
        # case folding: 0.33 s -> 0.09 s for 124,501 IRA-shaped captions (43 % not ASCII).
        # The same text: the separator is a starter nothing composes with.
        norm = _SEP.join([_fold(t) for t in texts])
        norm = _URL.sub(" ", norm)
        # no `_strip_symbols`: symbols are not word characters, so the words are the same
        tokens = pa.array(_TOKEN.findall(norm), pa.string()).dictionary_encode()
        del norm
        local = tokens.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        # "" (a mention or hashtag) gets -1, kept off the vocabulary
        to_global = np.fromiter(
            (self._word_id(w) if w else -1 for w in tokens.dictionary.to_pylist()),
            dtype=np.int64,
        )
        ids = to_global[local]
        ids = ids[ids >= 0]
        sep = ids == self.vocab[_SEP]
        # caption number of every token; the separators themselves are dropped
        owner = np.cumsum(sep)[~sep]
        ids = ids[~sep]
        counts = np.bincount(owner, minlength=len(texts))
        kept = counts >= self.min_words
        keep_token = kept[owner]
        ids, owner = ids[keep_token], owner[keep_token]
        return np.flatnonzero(kept), ids, owner

    def _word_id(self, word: str) -> int:
        n = self.vocab.get(word)
        if n is None:
            n = self.vocab[word] = len(self.vocab)
            self.cites_number.append(_cites_number(word))
        return n

    def _number_sets(
        self,
        ids: npt.NDArray[np.int64],
        owner: npt.NDArray[np.int64],
        kept_at: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.int64]:
        """Per kept caption, an id for the set of words in it that cite a number."""
        flag = np.frombuffer(self.cites_number, dtype=bool)[ids]
        # (caption, word) as one int64, sorted and distinct: word ids stay below 2**32
        pairs = distinct((owner[flag] << 32) | ids[flag])
        empty = self.numbers.setdefault(b"", len(self.numbers))
        out = np.full(len(kept_at), empty, dtype=np.int64)
        if len(pairs):
            row = np.searchsorted(kept_at, pairs >> 32)
            bounds = np.flatnonzero(np.diff(row, prepend=-1, append=len(kept_at) + 1))
            words = pairs & 0xFFFFFFFF
            for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
                out[row[lo]] = self.numbers.setdefault(words[lo:hi].tobytes(), len(self.numbers))
        return out


def _pair_sets(
    row: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
    rows: int,
    bits: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each caption's distinct word pairs, (first << 32) | second, sorted by caption then
    pair, in one flat array, and how many each of the `rows` captions has. `row` is
    ascending; word ids are below 2**bits."""
    if 2 * bits + max(1, rows.bit_length()) <= 63:
        # (caption, word, word) in one int64: one sort, 15 times faster than `lexsort`
        # on two columns (0.03 s against 0.43 s per 260,000 captions)
        mask = (1 << bits) - 1
        key = distinct((row << (2 * bits)) | (first << bits) | second)
        pairs = (((key >> bits) & mask) << 32) | (key & mask)
        return pairs, np.bincount(key >> (2 * bits), minlength=rows).astype(np.int64)
    pairs = (first << 32) | second
    order = np.lexsort((pairs, row))
    row, pairs = row[order], pairs[order]
    new = np.ones(len(pairs), dtype=bool)
    new[1:] = (pairs[1:] != pairs[:-1]) | (row[1:] != row[:-1])
    return pairs[new], np.bincount(row[new], minlength=rows).astype(np.int64)


def _shared(
    chunks: list[npt.NDArray[np.int64]],
    chunk_sizes: Sequence[npt.NDArray[np.signedinteger[Any]]],
    checked: Callable[[], None] = lambda: None,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The word pairs of each caption that another caption also holds, renumbered 0.. as
    4-byte ids and sorted per caption (flat, and offsets per caption), and how many
    captions hold each id. `chunks` are the encoder's per-chunk pairs (with `chunk_sizes`,
    pairs per caption); they are emptied as they are used.

    A word pair no other caption holds is never shared: it counts only in its caption's
    size (which the caller keeps) and, being the rarest kind, sits first in the caption's
    rarest-first order. Dropping such pairs (about half of all pairs in generated captions)
    shrinks everything the join holds after this. Pairs are counted one hash bucket at a
    time, so no sort of all of them is ever held at once.
    """
    total = sum(len(c) for c in chunks)
    buckets = max(1, -(-total // BUCKET))
    # Each chunk's pairs are put in bucket order (stable), with where each bucket's run
    # starts, so a bucket's pairs are slices, not a scan of every pair per bucket (which grew
    # with the square of the captions). What a pair needs of its place is its caption, as a
    # row of its chunk: 2 bytes a pair (a chunk's rows fit), where a position kept to put
    # each id back in caption order took 4, and the order is not needed, since the
    # (caption, id) keys are sorted at the end (at 10 million captions, 220 MB less).
    rows: list[npt.NDArray[Any]] = []  # uint16 or uint32
    starts: list[npt.NDArray[np.int64]] = []
    for c, sizes in zip(chunks, chunk_sizes, strict=True):
        part = (c % buckets).astype(np.uint16)
        order = np.argsort(part, kind="stable")
        starts.append(np.searchsorted(part[order], np.arange(buckets + 1)))
        row = np.arange(len(sizes), dtype=np.uint16 if len(sizes) <= 1 << 16 else np.uint32)
        rows.append(np.repeat(row, sizes)[order])
        c[:] = c[order]
        del part, order
    counts: list[npt.NDArray[np.int64]] = []
    next_id = 0
    for b in range(buckets):
        checked()
        where = [slice(at[b], at[b + 1]) for at in starts]
        values = np.concatenate(
            [np.zeros(0, np.int64), *(c[w] for c, w in zip(chunks, where, strict=True))]
        )
        # ids in sorted value order within a bucket: the same on every run
        _, inverse, count = np.unique(values, return_inverse=True, return_counts=True)
        del values
        many = count >= 2
        ids = np.where(many, np.cumsum(many) - 1 + next_id, _ALONE).astype(np.uint32)[inverse]
        del inverse
        counts.append(count[many])
        next_id += int(many.sum())
        # Each pair's id goes where the pair was: each place is in one bucket only, and its
        # value has just been read, so no array of ids the size of all pairs is needed
        # (140 MB at 2.5 million posts; the join's peak fell by about 50 MB).
        at = 0
        for c, w in zip(chunks, where, strict=True):
            n = w.stop - w.start
            c[w] = ids[at : at + n]
            at += n
        del ids, where
    del starts
    # The per-chunk arrays are small enough for glibc to place in its heap, where freeing
    # keeps their pages: handing them back before `key` is allocated, and as the chunks go,
    # took this process from 1,040 MB to 657 MB once `key` was filled (2.5 million posts).
    release_memory()
    if next_id >= _ALONE:
        raise ValueError("more distinct shared word pairs than 4-byte ids hold")
    # (caption, id) as one int64, sorted: each caption's ids in order, the lone pairs gone.
    # Filled in place chunk by chunk, each chunk's ids freed as it goes.
    key = np.empty(sum(int(np.count_nonzero(c != _ALONE)) for c in chunks), dtype=np.int64)
    at, row0 = 0, 0
    for n_chunk, sizes in enumerate(chunk_sizes):
        d, local = chunks.pop(0), rows.pop(0)
        keep = d != _ALONE
        row = local[keep].astype(np.int64) + row0
        n = len(row)
        key[at : at + n] = (row << 32) | d[keep]
        at, row0 = at + n, row0 + len(sizes)
        del d, local, keep, row
        if n_chunk % 8 == 7:
            release_memory()
    key.sort()
    offsets = np.searchsorted(key, np.arange(row0 + 1, dtype=np.int64) << 32).astype(np.int64)
    flat = _low_words(key)
    del key
    return flat, offsets, np.concatenate([np.zeros(0, np.int64), *counts])


def _low_words(x: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
    """The low 32 bits of each value, without an int64 temporary the size of `x`."""
    if sys.byteorder == "little":
        return x.view(np.uint32)[0::2].copy()
    return x.view(np.uint32)[1::2].copy()


# Prefix entries sorted into groups about this many at a time (`_candidate_groups`).
GROUP_PART = 2_000_000
# Word pairs counted per hash bucket in `_shared` (an np.unique of that many at a time), and
# the id the pairs no other caption holds get before they are dropped.
BUCKET = 2_000_000
_ALONE = np.uint32(0xFFFFFFFF)


def _cites_number(word: str) -> bool:
    """A word that cites a number (`isalpha` first: it is C, and most words pass it)."""
    return not word.isalpha() and any(c.isdigit() for c in word)


def _candidate_groups(
    flat: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int32],
    counts: npt.NDArray[np.int64],
    num_of: npt.NDArray[np.int32],
    threshold: float,
    checked: Callable[[], None] = lambda: None,
) -> Iterator[
    tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]
    ]
]:
    """Groups of two or more captions that share a prefix shingle and cite the
    same numbers, as members and bounds. Every pair at or above `threshold` Jaccard is
    inside some group (prefix filtering). `flat` and `offsets` hold each caption's shared
    shingles (`_shared`), `sizes` its whole set's size, `counts` captions per shingle id.

    Yields (members, each member's place of the group's shingle in its rarest-first set,
    whether that place is in the member's shorter "index" prefix, bounds), the indexed
    members of each group first, for the groups of one share of the shingles at a time:
    a group is one shingle's, so sorting about `GROUP_PART` prefix entries at a time finds the
    same groups, and the sort's index and gathers (24 bytes an entry) are never held
    for all entries at once. A pair at or above `threshold` shares its rarest common
    shingle inside both prefixes and inside the index prefix of the smaller of the two
    (AllPairs, Bayardo et al. 2007), so pairs of two members that are not indexed there are
    never needed: in the big group of a common shingle, that is most of them."""
    # rarest first; ties by shingle id, so the order is total and the same on every run
    rank_of = np.empty(len(counts), dtype=np.uint32)
    rank_of[np.argsort(counts, kind="stable")] = np.arange(len(counts), dtype=np.uint32)
    del counts
    # A caption chunk at a time, about ELEMENTS shingles each; each chunk's prefix bounds
    # are made as it comes (four int64s a caption for all at once were 320 MB at 10 million
    # captions, held while every entry was gathered: the join's peak).
    runs = _runs(offsets[1:] // ELEMENTS)
    # the prefix entries a caption keeps: its shared shingles before its prefix ends
    entries = 0
    for lo, hi in runs:
        held, alone, prefix, _ = _prefixes(offsets, sizes, lo, hi, threshold)
        entries += int(np.clip(prefix - alone, 0, held).sum())
    shares = max(1, -(-entries // GROUP_PART))
    # per share: each entry's caption, its place in the caption's prefix, and
    # (numbers id, shingle rank, not indexed) as one int64, sorted on next
    owners: list[list[npt.NDArray[np.int32]]] = [[] for _ in range(shares)]
    spots: list[list[npt.NDArray[np.int32]]] = [[] for _ in range(shares)]
    keys: list[list[npt.NDArray[np.int64]]] = [[] for _ in range(shares)]
    for lo, hi in runs:
        checked()
        base = offsets[lo]
        held, alone, prefix, index = _prefixes(offsets, sizes, lo, hi, threshold)
        own = np.repeat(np.arange(hi - lo, dtype=np.int64), held)
        key = np.sort((own << 32) | rank_of[flat[base : offsets[hi]]].astype(np.int64))
        own, rank = key >> 32, key & 0xFFFFFFFF
        del key
        position = np.arange(len(own)) - (offsets[lo:hi] - base)[own] + alone[own]
        keep = position < prefix[own]
        own, position, rank = own[keep], position[keep], rank[keep]
        later = (position >= index[own]).astype(np.int64)
        own += lo
        group = (num_of[own].astype(np.int64) << 33) | (rank << 1) | later
        # a share is the shingles of one rank modulo `shares`: each group in one share
        share = rank % shares
        order = np.argsort(share, kind="stable")  # caption order kept within a share
        cuts = np.searchsorted(share[order], np.arange(shares + 1)).tolist()
        for s in range(shares):
            at = order[cuts[s] : cuts[s + 1]]
            owners[s].append(own[at].astype(np.int32))
            spots[s].append(position[at].astype(np.int32))
            keys[s].append(group[at])
        del own, position, rank, later, group, share, order, keep
    # the numbers' ids (the caller keeps none): 80 MB at 10 million captions
    del rank_of, num_of
    for s in range(shares):
        checked()
        group_key = np.concatenate([np.zeros(0, np.int64), *keys[s]])
        place = np.concatenate([np.zeros(0, np.int32), *spots[s]])
        owner = np.concatenate([np.zeros(0, np.int32), *owners[s]])
        keys[s], spots[s], owners[s] = [], [], []
        yield _groups_of(group_key, owner, place)
        del group_key, place, owner


def _prefixes(
    offsets: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int32],
    lo: int,
    hi: int,
    threshold: float,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """For captions lo..hi: shared shingles held, shingles no one else holds (the first
    places of each caption), and where the prefix and the index prefix end."""
    size = sizes[lo:hi].astype(np.int64)
    held = np.diff(offsets[lo : hi + 1])
    prefix = size - np.ceil(threshold * size - 1e-9).astype(np.int64) + 1
    # overlap >= t / (1 + t) * (|x| + |y|) >= 2t / (1 + t) * |y| for the smaller y
    index = size - np.ceil(2 * threshold / (1 + threshold) * size - 1e-9).astype(np.int64) + 1
    return held, size - held, prefix, index


def _groups_of(
    group_key: npt.NDArray[np.int64],
    owner: npt.NDArray[np.int32],
    place: npt.NDArray[np.int32],
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]
]:
    """The groups of two or more members, indexed ones first, from prefix entries in
    caption order (see `_candidate_groups`)."""
    # by (numbers, shingle), then indexed first, captions ascending within (a stable sort:
    # the entries come in caption order)
    order = np.argsort(group_key, kind="stable")
    owner, place = owner[order], place[order]
    group_key = group_key[order]
    del order
    indexed = (group_key & 1) == 0
    group_key >>= 1
    new_group = firsts(group_key)
    del group_key
    bounds = np.flatnonzero(np.append(new_group, True))
    sizes = np.diff(bounds)
    # indexed members sort first: a group makes pairs only if its first member is indexed
    big = (sizes >= 2) & indexed[bounds[:-1]]
    starts = np.cumsum(sizes[big]) - sizes[big]
    in_big = np.repeat(big, sizes)
    members = owner[in_big].astype(np.int64)
    places = place[in_big].astype(np.int64)
    return members, places, indexed[in_big], np.append(starts, int(sizes[big].sum()))
