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
# Captions draw from a vocabulary the size of a real corpus's, with Zipf frequencies
# (rank r has weight 1/r**1.1, as word counts in tweets roughly do). Six words out of
# the 25 above would give only 177,100 distinct captions in all, and at a million
# posts every caption would sit beside thousands of near-identical ones, which is
# nothing like real data and turns any near-duplicate text search quadratic.
_SYLLABLES = "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu".split()
_VOCABULARY_SIZE = 20_000


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
        total += rank**-1.1
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
