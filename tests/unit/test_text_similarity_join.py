"""The caption join is exact: it equals the brute-force components of every pair at or above the
threshold with the same numbers, and normalisation strips exactly the emoji and symbols."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from cibgraph.detect.near_duplicates import UnionFind
from cibgraph.detect.text_similarity import (
    CHUNK,
    MIN_FUZZY_WORDS,
    _is_emoji_or_symbol,
    jaccard,
    normalise_caption,
    shingles,
    text_clusters,
)

VOCAB = "the march day vote city news police story today people truth media fake join".split()


def _captions(seed: int, n: int) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    base = [[rnd.choice(VOCAB) for _ in range(rnd.randint(6, 12))] for _ in range(n // 4)]
    out = []
    for k in range(n):
        words = list(rnd.choice(base))
        for _ in range(rnd.randint(0, 3)):  # light edits: swap, drop or add a word
            i = rnd.randrange(len(words))
            op = rnd.random()
            if op < 0.4:
                words[i] = rnd.choice(VOCAB)
            elif op < 0.7 and len(words) > 6:
                del words[i]
            else:
                words.insert(i, rnd.choice(VOCAB))
        if rnd.random() < 0.2:
            words.append(str(rnd.randint(1, 3)))  # a number: a series, not one message
        out.append((f"k{k:04d}", " ".join(words) + rnd.choice(["", " 😀", " #tag"])))
    return out


def _brute_force(texts: list[tuple[str, str]], threshold: float) -> dict[str, str]:
    rows = []
    for key, text in sorted(set(texts)):
        cap = normalise_caption(text)
        if len(cap.words) >= MIN_FUZZY_WORDS:
            nums = frozenset(w for w in cap.words if any(c.isdigit() for c in w))
            rows.append((key, shingles(cap.words), nums))
    uf = UnionFind(len(rows))
    for i, (_, a, na) in enumerate(rows):
        for j in range(i + 1, len(rows)):
            _, b, nb = rows[j]
            if na == nb and jaccard(a, b) >= threshold:
                uf.union(i, j)
    return {k: rows[uf.find(n)][0] for n, (k, _, _) in enumerate(rows) if uf.find(n) != n}


@pytest.mark.parametrize(("seed", "threshold"), [(1, 0.5), (2, 0.5), (3, 0.4), (4, 0.7)])
def test_join_equals_brute_force(seed: int, threshold: float) -> None:
    texts = _captions(seed, 400)
    want = _brute_force(texts, threshold)
    assert len(want) > 20  # the scenario has clusters to find
    assert text_clusters(texts, threshold=threshold) == want
    assert text_clusters(list(reversed(texts)), threshold=threshold) == want


def _pairs(seed: int, n: int) -> list[tuple[str, str]]:
    """Captions of 3 to 25 words from 80, each with one edited copy: most clusters are one
    pair, so a candidate filter that drops a similar pair shows as a missing cluster."""
    rnd = random.Random(seed)
    words = [f"w{i}" for i in range(80)]
    out = []
    for k in range(n // 2):
        base = [rnd.choice(words) for _ in range(rnd.randint(3, 25))]
        copy = list(base)
        for _ in range(rnd.randint(0, 4)):
            copy = copy or [rnd.choice(words)]
            i = rnd.randrange(len(copy))
            copy[i : i + 1] = rnd.choice([[rnd.choice(words)], [], [copy[i], rnd.choice(words)]])
        out += [(f"a{k:04d}", " ".join(base)), (f"b{k:04d}", " ".join(copy))]
    return out


@pytest.mark.parametrize(("seed", "threshold"), [(5, 0.5), (6, 0.4), (7, 0.7), (8, 0.85)])
def test_join_finds_every_similar_pair(seed: int, threshold: float) -> None:
    """The prefix, index-prefix and positional filters drop no pair at the threshold."""
    texts = _pairs(seed, 1200)
    want = _brute_force(texts, threshold)
    assert len(set(want.values())) > 60  # many separate clusters, most of them pairs
    assert text_clusters(texts, threshold=threshold) == want


@pytest.mark.parametrize("spill_after", [0, 120, 10**9])
def test_sha1_keys_held_as_bytes_name_the_same_clusters(
    spill_after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of sha1 hex keys are held as their 20 bytes, in memory or (past `SPILL_AFTER`
    keys) in a temporary file: the clusters and the keys that name them are those of the
    same captions under keys kept as text, chunks of both shapes mixed (an upper-case
    digest, or any other key, stays text)."""
    import hashlib

    from cibgraph.detect import text_similarity as ts

    monkeypatch.setattr(ts, "CHUNK", 50)
    monkeypatch.setattr(ts, "SPILL_AFTER", spill_after)
    texts = _captions(9, 600)
    want = _brute_force(texts, 0.5)
    assert len(want) > 20
    digest = {k: hashlib.sha1(k.encode()).hexdigest() for k, _ in texts}
    # every third chunk keeps one key that is not lower-case hex, so it stays text
    odd = {k for n, (k, _) in enumerate(texts) if n % 150 == 7}
    renamed = {k: (digest[k].upper() if k in odd else digest[k]) for k, _ in texts}
    got = text_clusters([(renamed[k], t) for k, t in texts])
    back = {v: k for k, v in renamed.items()}
    # the smallest digest names each cluster, so compare the clusters, then the names
    clusters = {}
    for k, root in want.items():
        clusters.setdefault(root, {root}).add(k)
    named = {}
    for k, root in got.items():
        named.setdefault(root, {root}).add(k)
    assert sorted(sorted(back[k] for k in c) for c in named.values()) == sorted(
        sorted(c) for c in clusters.values()
    )
    for root, members in named.items():
        assert root == min(members)
    kept = ts._Keys()
    kept.add([digest[k] for k, _ in texts[:5]])
    kept.add(["k1", renamed[next(iter(odd))]])
    kept.add([digest[k] for k, _ in texts[5:8]])
    want_names = [renamed[next(iter(odd))], digest[texts[0][0]], "k1", digest[texts[4][0]]]
    assert kept.names([6, 0, 5, 4, 8]) == [*want_names, digest[texts[6][0]]]
    # in memory below `spill_after` keys held, in the file from there on
    assert isinstance(kept.chunks[0], int) == (spill_after == 0)
    assert isinstance(kept.chunks[2], int) == (spill_after <= 7)
    kept.close()


def test_a_chunk_of_one_caption_is_joined() -> None:
    """A chunk of one caption holds no separator between captions: alone, or the last of
    `CHUNK + 1` captions (it once raised KeyError)."""
    words = "one two three four five six seven".split()
    assert text_clusters([("a", " ".join(words))]) == {}
    texts = [(f"k{n:06d}", f"{' '.join(words)} w{n} v{n}") for n in range(CHUNK)]
    texts.append(("zzz", f"{' '.join(words)} w0 v0 extra"))  # the last chunk, near k000000
    assert text_clusters(texts) == {"zzz": "k000000"}


def test_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        text_clusters([("a", "x")], threshold=0)


def test_symbols_stripped_exactly() -> None:
    rnd = random.Random(7)
    pool = [chr(c) for c in range(32, 0x2FFF)] + ["😀", "\u200d", "\ufe0f", "🇺🇸", "\U0010fffd"]
    for _ in range(300):
        text = "".join(rnd.choice(pool) for _ in range(40))
        norm = unicodedata.normalize("NFKC", text).casefold()
        got = normalise_caption(text).words
        # the reference: a per-character test, on text with no URL, mention or hashtag in it
        if any(ch in norm for ch in "@#/") or "www" in norm:
            continue
        ref = "".join(" " if _is_emoji_or_symbol(c) else c for c in norm)
        assert got == tuple(re.findall(r"\w+", ref))


# the patterns as first written (look-behind first, IGNORECASE): the faster ones must agree
_REF_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_REF_MENTION = re.compile(r"(?<![\w@])@\w+")
_REF_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_TRICKY = [
    "@",
    "#",
    "@@",
    "##",
    "#@",
    "@#",
    "http://",
    "https://",
    "www.",
    "HTTPS://",
    "WwW.",
    "ab",
    "_",
    "1",
    " ",
    "\n",
    "\x1e",
    "é",
    "e\u0301",
    "\u0301",
    "ß",
    "ſ",
    "K",
    "ﬁ",
    "😀",
    "\u200d",
    "\ufe0f",
    "🇺🇸",
    "¼",
    "²",
    "١",
    ".",
    "/",
    "x.y",
    "\u2028",
    "\t",
]


def _tricky_text(rnd: random.Random) -> str:
    return "".join(rnd.choice(_TRICKY) for _ in range(rnd.randint(0, 30)))


def test_faster_patterns_equal_the_reference() -> None:
    from cibgraph.detect import text_similarity as ts

    rnd = random.Random(11)
    for _ in range(3000):
        norm = unicodedata.normalize("NFKC", _tricky_text(rnd)).casefold()
        assert ts._URL.sub(" ", norm) == _REF_URL.sub(" ", norm)
        assert ts._MENTION.sub(" ", norm) == _REF_MENTION.sub(" ", norm)
        assert ts._HASHTAG.sub(" ", norm) == _REF_HASHTAG.sub(" ", norm)
        assert ts._HASHTAG.findall(norm) == _REF_HASHTAG.findall(norm)


@pytest.mark.parametrize(
    "text",
    [
        "@ab#cd ef",
        "@ab#cd#ef gh",
        "@ab##cd ef",
        "@ab# cd",
        "x@ab#cd",
        "#ab@cd ef",
        "#ab#cd ef",
        "@ab@cd#ef gh",
        "@abhttp://x.y/#cd ef",
        "ab#cd@ef",
        "@_#_ _",
    ],
)
def test_one_scan_drops_what_the_mention_and_hashtag_passes_drop(text: str) -> None:
    """The encoder finds words in one scan; where a mention runs into a hashtag, the
    passes one after the other leave a space between them, and the scan must agree."""
    from cibgraph.detect import text_similarity as ts

    enc = ts._Encoder(0)
    _, ids, _ = enc.words([text])
    word_of = {i: w for w, i in enc.vocab.items()}
    assert tuple(word_of[i] for i in ids.tolist()) == normalise_caption(text).words


@pytest.mark.parametrize("min_words", [0, 3, MIN_FUZZY_WORDS])
def test_chunked_encoder_gives_the_words_of_normalise_caption(min_words: int) -> None:
    """Captions are normalised many at a time, joined by a separator; each must come out
    with exactly its own words, whatever it holds (the separator itself included)."""
    from cibgraph.detect import text_similarity as ts

    rnd = random.Random(min_words)
    texts = [(f"k{n}", _tricky_text(rnd)) for n in range(1500)]
    texts += [
        (f"v{n}", " ".join(rnd.choice(VOCAB + ["2", "3x"]) for _ in range(8))) for n in range(300)
    ]
    rnd.shuffle(texts)
    enc = ts._Encoder(min_words)
    keys: list[str] = []
    got: list[tuple[str, ...]] = []
    nums: list[int] = []
    for lo in range(0, len(texts), 97):  # uneven chunks, one of them holding "\x1e"
        chunk = texts[lo : lo + 97]
        kept_at, ids, owner = enc.words([t for _, t in chunk])
        nums += enc._number_sets(ids, owner, kept_at).tolist()
        word_of = {i: w for w, i in enc.vocab.items()}
        for at in kept_at.tolist():
            keys.append(chunk[at][0])
            got.append(tuple(word_of[i] for i in ids[owner == at].tolist()))
    want = [(k, normalise_caption(t).words) for k, t in texts]
    want = [(k, w) for k, w in want if len(w) >= min_words]
    assert keys == [k for k, _ in want]
    assert got == [w for _, w in want]
    # one id per distinct set of number-citing words
    sets = [
        frozenset(x for x in w if not x.isalpha() and any(c.isdigit() for c in x)) for _, w in want
    ]
    assert len(set(sets)) > 3
    for a in range(0, len(sets), 7):
        for b in range(a, len(sets), 13):
            assert (nums[a] == nums[b]) == (sets[a] == sets[b])


@pytest.mark.parametrize("bucket", [1, 7, 2_000_000])
def test_shared_keeps_exactly_the_pairs_another_caption_holds(
    bucket: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_shared` against a direct count, whatever the bucket size: each caption keeps the
    word pairs two or more captions hold, as sorted ids, one id per pair, with its count."""
    from collections import Counter

    import numpy as np

    from cibgraph.detect import text_similarity as ts

    monkeypatch.setattr(ts, "BUCKET", bucket)
    rng = random.Random(bucket)
    # the encoder's shape: per chunk, each caption's distinct pairs sorted, then the next
    captions = [sorted(rng.sample(range(80), rng.randint(1, 9))) for _ in range(60)]
    captions = [[(v % 7) << 32 | v for v in c] for c in captions]  # both halves used
    cuts = [0, 5, 6, 41, 60]
    chunks = [
        np.array([v for c in captions[a:b] for v in c], np.int64)
        for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    chunk_sizes = [
        np.array([len(c) for c in captions[a:b]], np.int64)
        for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    holders = Counter(v for c in captions for v in c)
    flat, offsets, counts = ts._shared(list(chunks), chunk_sizes)
    assert len(offsets) == len(captions) + 1
    ids = [flat[offsets[n] : offsets[n + 1]].tolist() for n in range(len(captions))]
    assert all(x == sorted(set(x)) for x in ids)
    # who holds each id is who holds one shared pair, id for pair
    by_id = Counter(frozenset(n for n, x in enumerate(ids) if i in x) for i in range(len(counts)))
    by_pair = Counter(
        frozenset(n for n, c in enumerate(captions) if v in c) for v in holders if holders[v] > 1
    )
    assert by_id == by_pair and len(counts) == sum(1 for v in holders if holders[v] > 1)
    assert all(len(x) == sum(holders[v] > 1 for v in c) for x, c in zip(ids, captions, strict=True))
    assert [int(counts[i]) for i in range(len(counts))] == [
        sum(i in x for x in ids) for i in range(len(counts))
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_word_pairs_one_sort_equals_two_column_sort(seed: int) -> None:
    """Word pairs are sorted as one packed key when the ids fit; the packed and the
    two-column sort must give each caption the same distinct pairs, in the same order."""
    from cibgraph.detect import text_similarity as ts

    rng = np.random.default_rng(seed)
    rows = 50
    row = np.sort(rng.integers(0, rows - 5, 2000))  # the last captions have no pairs
    first, second = rng.integers(0, 40, 2000), rng.integers(0, 40, 2000)
    packed, packed_sizes = ts._pair_sets(row, first, second, rows, bits=6)
    two, two_sizes = ts._pair_sets(row, first, second, rows, bits=32)  # too wide to pack
    want: list[list[int]] = [[] for _ in range(rows)]
    for r, a, b in zip(row.tolist(), first.tolist(), second.tolist(), strict=True):
        want[r].append((a << 32) | b)
    flat = [p for ps in want for p in sorted(set(ps))]
    assert packed.tolist() == two.tolist() == flat
    assert packed_sizes.tolist() == two_sizes.tolist() == [len(set(ps)) for ps in want]


@pytest.mark.parametrize("after", [0, 2])
def test_words_cut_in_a_process_of_their_own_give_the_same_clusters(
    after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `PROCESS_AFTER` chunks the encoder's state moves to a process of its own and the
    rest is cut there: the clusters are those of the encoder here, chunk for chunk."""
    from cibgraph.detect import text_similarity as ts

    texts = _captions(5, 900)
    monkeypatch.setattr(ts, "CHUNK", 40)
    monkeypatch.setattr(ts, "IN_FLIGHT", 1)
    here = text_clusters(texts, processes=False)
    assert len(here) > 20
    monkeypatch.setattr(ts, "PROCESS_AFTER", after)
    spawned: list[object] = []
    real = ts._EncoderProcess

    def counted(encoder: object) -> object:
        spawned.append(encoder)
        return real(encoder)  # type: ignore[arg-type]

    monkeypatch.setattr(ts, "_EncoderProcess", counted)
    assert text_clusters(texts) == here
    assert len(spawned) == 1


def test_a_failing_word_process_stops_the_join_with_its_cause() -> None:
    from cibgraph.detect import text_similarity as ts

    enc = ts._Encoder(MIN_FUZZY_WORDS)
    worker = ts._EncoderProcess(enc)
    try:
        worker.send(["a caption with enough words to keep it here"])
        assert worker.take(block=True) is not None
        worker.send([5])  # type: ignore[list-item]  # not text: the encoder raises
        with pytest.raises(RuntimeError, match="cutting captions into words failed") as err:
            worker.take(block=True)
        assert err.value.__cause__ is not None
    finally:
        worker.close()


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """The word process is a plain subprocess: a calling script without an
    `if __name__ == "__main__"` guard is not imported (and run) again in it."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import random\n"
        "from cibgraph.detect import text_similarity as ts\n"
        "ts.CHUNK, ts.PROCESS_AFTER = 50, 1\n"
        "print('ran', flush=True)\n"
        "rnd = random.Random(1)\n"
        "words = 'the march day vote city news police story today people'.split()\n"
        "texts = [(f'k{n}', ' '.join(rnd.choice(words) for _ in range(9))) for n in range(400)]\n"
        "print('clusters', len(ts.text_clusters(texts)) > 0, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n").count("ran") == 1
    assert "clusters True" in done.stdout


@pytest.mark.parametrize("part", [1, 37, 1_000])
def test_groups_sorted_a_share_at_a_time_find_every_similar_pair(
    part: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefix entries grouped in shares of the shingles (one share at `part` >= all
    entries, many at 1) give the brute force's clusters: no group is split across shares."""
    import cibgraph.detect.text_similarity as ts

    monkeypatch.setattr(ts, "GROUP_PART", part)
    for seed, threshold in ((9, 0.5), (10, 0.4)):
        texts = _pairs(seed, 800)
        assert text_clusters(texts, threshold=threshold) == _brute_force(texts, threshold)
