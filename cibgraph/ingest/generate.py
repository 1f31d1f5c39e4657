"""A synthetic canonical dataset of any size, for benchmarks and load tests.

Deterministic for a given seed; streamed to disk so its size is not bounded
by memory. (The detection workstream's `cibgraph.detect.synth` makes data
with planted coordination; this one only needs volume and variety.)
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

_WORDS = (
    "vote election news truth freedom people city police border tax health school "
    "water energy rally protest media story today week change future power family"
).split()
# Captions draw words with the frequencies of real ones. Measured on the 188,979
# English tweets of the IRA sample (`../shared/data/ira-tweets-by-author`, words as the
# caption join normalises them): the commonest word is 2.9 % of all words, the 10
# commonest 16 %, the 100 commonest 41 %, the 1,000 commonest 69 %. Zipf-Mandelbrot
# weights (rank + 2.7) ** -1.05 over 100,000 words give 3.3, 17, 39 and 62 %. (Six
# words out of the 25 topic words alone, as before, gave only 177,100 distinct
# captions, so at a million posts each sat beside thousands of near-identical ones.)
_SYLLABLES = "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu".split()
_VOCABULARY_SIZE = 100_000


def _vocabulary() -> tuple[list[str], list[float]]:
    """(words, cumulative weights): the topic words first (the most frequent), then made-up ones."""
    words = list(_WORDS)
    n = len(_SYLLABLES)
    for i in range(_VOCABULARY_SIZE - len(words)):
        # three syllables from i's digits in base 25 (15,625 words), then four
        word, k = "", i
        for _ in range(3 if i < n**3 else 4):
            word += _SYLLABLES[k % n]
            k //= n
        words.append(word)
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += (rank + 2.7) ** -1.05
        cumulative.append(total)
    return words, cumulative


def _open(path: Path, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(path.with_name(path.name + ".gz"), "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


def generate_dataset(
    out: Path,
    *,
    accounts: int = 1000,
    posts: int = 10_000,
    interactions: int = 0,
    follows: int = 0,
    seed: int = 1,
    gz: bool = False,
) -> dict[str, int]:
    """Write accounts/posts (+ interactions, follows) JSONL files into `out`."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    t0 = datetime(2016, 1, 1, tzinfo=UTC)
    vocabulary, cumulative = _vocabulary()
    with _open(out / "accounts.jsonl", gz) as fh:
        for i in range(accounts):
            rec = {
                "id": f"gen:{i}",
                "platform": "twitter",
                "handle": f"user{i}",
                "display_name": f"User {i}",
                "created_at": (t0 - timedelta(days=rng.randint(1, 2000))).isoformat(),
                "followers": rng.randint(0, 5000),
                "following": rng.randint(0, 500),
            }
            if i % 10 == 0:
                rec["profile_image"] = {"phash": f"{rng.getrandbits(64):016x}"}
            fh.write(json.dumps(rec) + "\n")
    with _open(out / "posts.jsonl", gz) as fh:
        for i in range(posts):
            words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(6, 18))
            tags = " ".join(f"#{w}" for w in rng.sample(_WORDS, rng.randint(0, 3)))
            mention = f" @user{rng.randrange(accounts)}" if rng.random() < 0.3 else ""
            link = f" https://site{rng.randrange(50)}.example/a/{i}" if rng.random() < 0.2 else ""
            rec = {
                "id": f"gen:p{i}",
                "account_id": f"gen:{rng.randrange(accounts)}",
                "posted_at": (t0 + timedelta(seconds=rng.randrange(86_400 * 700))).isoformat(),
                "text": f"{' '.join(words)} {tags}{mention}{link}",
                "likes": rng.randint(0, 100),
                "shares": rng.randint(0, 20),
            }
            if i and rng.random() < 0.1:
                rec["repost_of"] = f"gen:p{rng.randrange(i)}"
            if rng.random() < 0.05:
                rec["media"] = [{"phash": f"{rng.getrandbits(64):016x}"}]
            fh.write(json.dumps(rec) + "\n")
    if interactions:
        with _open(out / "interactions.jsonl", gz) as fh:
            for _ in range(interactions):
                rec = {
                    "account_id": f"gen:{rng.randrange(accounts)}",
                    "post_id": f"gen:p{rng.randrange(posts)}",
                    "kind": rng.choice(("like", "comment", "share")),
                    "at": (t0 + timedelta(seconds=rng.randrange(86_400 * 700))).isoformat(),
                }
                fh.write(json.dumps(rec) + "\n")
    if follows:
        with _open(out / "follows.jsonl", gz) as fh:
            for _ in range(follows):
                a, b = rng.randrange(accounts), rng.randrange(accounts)
                fh.write(json.dumps({"follower_id": f"gen:{a}", "followed_id": f"gen:{b}"}) + "\n")
    return {"accounts": accounts, "posts": posts, "interactions": interactions, "follows": follows}
