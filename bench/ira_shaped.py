"""Posts shaped like the IRA tweets release, in the `ira-tweets` CSV format.

Writes N posts (default 2,500,000) for about 2,800 accounts as a few big CSVs
with the per-author header of `../shared/data/ira-tweets-by-author`
(`author_id, content, region, language, publish_date, harvested_date,
following, followers, updates, post_type, retweet`), like the original
release's handful of big files, plus an `authors.csv` with each account's
type and category, a `truth.json` naming the planted coordinated groups, and
a `shape.json` with the measured and the generated figures. Every account's
rows sit in one file. Memory stays bounded: rows go to disk as they are made;
what is held is per account (budgets, a few recent texts) or per word.

The shape is measured from the real sample at run time (`--sample`,
default `../shared/data/ira-tweets-by-author`). On that sample (379 authors,
277,154 tweets) it measured:

- posts per author: heavy-tailed, deciles 6, 17, 36, 58, 144, 321, 497, 678,
  1,884; the largest 17,411. Each generated account copies one real
  author's count (scaled so the total is N), active period (shifted by up to
  ±60 days), retweet share, language, region and follower counts.
- `retweet = 1` on 59.9% of rows (`post_type` R, or Q on 2.7% of those);
  a link in 76.1% (one link 66%, two 32%), a hashtag in 32.4%, an @mention
  in 18.2%; length median 107 characters (deciles 55 ... 139).
- 91.3% of texts distinct. 13.1% of rows carry a text that another author
  also posted (2 authors: 80% of such texts, 3: 15%, up to 20), within
  minutes: the spread from first to last post has deciles 0, 0, 4 min,
  10 min, 17 min, 28 min, 44 min, 81 min, 9.4 h; 86% of those rows are
  retweets. About 1.2% of rows repeat an earlier text of their own author.
- times: 2014-11 to 2018-03 at minute resolution (seconds always 00),
  most in the afternoon UTC (14-16h: 7% each; 04-05h: 2.4%).
- hashtags and mentions are drawn with their real frequencies (#tcot,
  #news, #maga, ...; @realdonaldtrump, ...); a mention of a real IRA author
  becomes one of the generated accounts, as IRA accounts mention each other.
  Body words are drawn by frequency from the real texts of the same
  language, so texts are distinct as real ones are; links are new t.co links
  except where a text is shared.

Planted on top (deterministic with `--seed`): `--groups` groups of 4-6
accounts of middling activity, each posting `--group-events` times within a
campaign of a few weeks: a leader posts (retweet 0) and the others retweet
the same text and link within `max_lag_seconds` (30 s to 10 min; like every
time, truncated to the minute); a quarter of the events share only the link,
with each member's own words. `truth.json` lists their members.

Measuring the sample takes about 25 s of CPU; 2,500,000 posts about 240 s of CPU
more (8 min wall on a shared 2-core machine), 540 MB of CSVs, 210 MB peak RSS.

Usage:
    python bench/ira_shaped.py OUT [--posts 2500000] [--accounts 2800] [--seed 13]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import random
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

HEADER = [
    "author_id",
    "content",
    "region",
    "language",
    "publish_date",
    "harvested_date",
    "following",
    "followers",
    "updates",
    "post_type",
    "retweet",
]
DEFAULT_SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
DEFAULT_SAMPLE = DEFAULT_SAMPLE / "ira-tweets-by-author"
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"#\w+")
_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"[^\s@#]\S*")
_TIME = "%Y-%m-%d %H:%M:%S"
_ALNUM = string.ascii_letters + string.digits
_VOCAB_PER_LANGUAGE = 30_000
_MONTH = 30 * 86400


class Weighted:
    """Values drawn with given weights (bisect on cumulative weights)."""

    def __init__(self, counts: Counter[Any] | dict[Any, float]) -> None:
        items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        self.values = [v for v, _ in items]
        self.cum: list[float] = []
        total = 0.0
        for _, w in items:
            total += w
            self.cum.append(total)

    def __bool__(self) -> bool:
        return bool(self.values)

    def one(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]

    def many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.values, cum_weights=self.cum, k=k)


@dataclass
class Template:
    """One real author: what a generated account copies."""

    handle: str
    count: int
    start: float
    end: float
    retweets: int
    language: str
    region: str
    following: int
    followers: int
    updates: int
    account_type: str = ""
    account_category: str = ""


@dataclass
class Shape:
    """Figures measured on the real sample."""

    templates: list[Template]
    rows: int
    lengths: Weighted
    words: dict[str, Weighted]
    hashtags: Weighted
    mentions: Weighted
    tags_per_post: Weighted
    mentions_per_post: Weighted
    links_per_post: Weighted
    hours: Weighted
    p_link: float
    p_tag: float
    p_mention: float
    p_mention_ira: float
    p_quote: float
    p_shared_row: float
    p_own_repeat: float
    p_shared_retweet: float
    authors_per_shared: Weighted
    spreads: list[float]
    first: float
    last: float
    summary: dict[str, Any] = field(default_factory=dict)


def _number(value: str) -> int:
    try:
        return max(0, int(float(value or 0)))
    except ValueError:
        return 0


def _epoch(value: str) -> float:
    return datetime.strptime(value.strip(), _TIME).replace(tzinfo=UTC).timestamp()


def _sample_rows(sample: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(64 * 1024 * 1024)
    for f in sorted(sample.rglob("*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "content" not in reader.fieldnames:
                continue
            yield from reader


def _quantiles(values: list[float], n: int = 10) -> list[float]:
    s = sorted(values)
    return [s[min(len(s) - 1, len(s) * i // n)] for i in range(1, n)] if s else []


def measure(sample: Path) -> Shape:
    """The shape of the real sample: one pass over its CSVs."""
    info: dict[str, dict[str, str]] = {}
    authors_csv = sample / "authors.csv"
    if authors_csv.is_file():
        with authors_csv.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                info[(row.get("author_id") or "").strip().lower()] = row
    per: dict[str, dict[str, Any]] = {}
    lengths: Counter[int] = Counter()
    words: dict[str, Counter[str]] = defaultdict(Counter)
    tags: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    n_tags: Counter[int] = Counter()
    n_mentions: Counter[int] = Counter()
    n_links: Counter[int] = Counter()
    hours: Counter[int] = Counter()
    rows = linked = tagged = mentioning = quotes = retweets = ira_mentions = 0
    by_text: dict[str, list[tuple[str, float, bool]]] = defaultdict(list)
    for row in _sample_rows(sample):
        handle = (row.get("author_id") or row.get("author") or "").strip()
        try:
            t = _epoch(row.get("publish_date") or "")
        except ValueError:
            continue
        text = row.get("content") or ""
        rows += 1
        language = (row.get("language") or "").strip() or "Unknown"
        retweet = (row.get("retweet") or "").strip() == "1"
        retweets += retweet
        quotes += (row.get("post_type") or "").strip() == "Q"
        a = per.setdefault(
            handle,
            {"count": 0, "start": t, "end": t, "rt": 0, "lang": Counter(), "region": Counter()},
        )
        a["count"] += 1
        a["start"], a["end"] = min(a["start"], t), max(a["end"], t)
        a["rt"] += retweet
        a["lang"][language] += 1
        a["region"][(row.get("region") or "").strip() or "Unknown"] += 1
        a["following"] = _number(row.get("following") or "")
        a["followers"] = _number(row.get("followers") or "")
        a.setdefault("updates", _number(row.get("updates") or ""))
        lengths[len(text)] += 1
        hours[datetime.fromtimestamp(t, UTC).hour] += 1
        links = _URL.findall(text)
        body = _URL.sub(" ", text)
        found_tags = _TAG.findall(body)
        found_mentions = _MENTION.findall(body)
        if links:
            linked += 1
            n_links[len(links)] += 1
        if found_tags:
            tagged += 1
            n_tags[len(found_tags)] += 1
            tags.update(found_tags)
        if found_mentions:
            mentioning += 1
            n_mentions[len(found_mentions)] += 1
            for m in found_mentions:
                if m[1:].lower() in info:
                    ira_mentions += 1
                else:
                    mentions[m] += 1
        words[language].update(_WORD.findall(_MENTION.sub(" ", _TAG.sub(" ", body))))
        by_text[text].append((handle, t, retweet))
    if not rows:
        raise SystemExit(f"{sample}: no tweet CSVs (author_id, content, publish_date, ...) found")
    shared_rows = own_repeats = shared_retweets = 0
    per_shared: Counter[int] = Counter()
    spreads: list[float] = []
    for posts in by_text.values():
        authors = {h for h, _, _ in posts}
        if len(authors) > 1:
            shared_rows += len(posts)
            shared_retweets += sum(r for _, _, r in posts)
            per_shared[len(authors)] += 1
            times = [t for _, t, _ in posts]
            spreads.append(max(times) - min(times))
        else:
            own_repeats += len(posts) - 1
    distinct = len(by_text)
    del by_text
    templates = []
    for handle, a in sorted(per.items()):
        meta = info.get(handle.lower(), {})
        templates.append(
            Template(
                handle=handle,
                count=a["count"],
                start=a["start"],
                end=a["end"],
                retweets=a["rt"],
                language=a["lang"].most_common(1)[0][0],
                region=a["region"].most_common(1)[0][0],
                following=a.get("following", 0),
                followers=a.get("followers", 0),
                updates=a.get("updates", 0),
                account_type=(meta.get("account_type") or "").strip(),
                account_category=(meta.get("account_category") or "").strip(),
            )
        )
    vocab = {
        lang: Weighted(Counter(dict(c.most_common(_VOCAB_PER_LANGUAGE))))
        for lang, c in words.items()
        if c
    }
    all_mentions = sum(n_mentions[k] * k for k in n_mentions) or 1
    counts = [t.count for t in templates]
    shape = Shape(
        templates=templates,
        rows=rows,
        lengths=Weighted(lengths),
        words=vocab,
        hashtags=Weighted(tags),
        mentions=Weighted(mentions),
        tags_per_post=Weighted(n_tags),
        mentions_per_post=Weighted(n_mentions),
        links_per_post=Weighted(n_links),
        hours=Weighted(hours),
        p_link=linked / rows,
        p_tag=tagged / rows,
        p_mention=mentioning / rows,
        p_mention_ira=ira_mentions / all_mentions,
        p_quote=quotes / max(1, retweets),
        p_shared_row=shared_rows / rows,
        p_own_repeat=own_repeats / rows,
        p_shared_retweet=shared_retweets / max(1, shared_rows),
        authors_per_shared=Weighted(per_shared),
        spreads=sorted(spreads) or [0.0],
        first=min(t.start for t in templates),
        last=max(t.end for t in templates),
    )
    shape.summary = {
        "sample": str(sample),
        "rows": rows,
        "authors": len(templates),
        "posts_per_author_deciles": _quantiles([float(c) for c in counts]),
        "posts_per_author_max": max(counts),
        "retweet_share": round(retweets / rows, 4),
        "link_share": round(shape.p_link, 4),
        "hashtag_share": round(shape.p_tag, 4),
        "mention_share": round(shape.p_mention, 4),
        "mentions_of_ira_authors_share": round(shape.p_mention_ira, 4),
        "distinct_text_share": round(distinct / rows, 4),
        "shared_text_row_share": round(shape.p_shared_row, 4),
        "own_repeat_row_share": round(shape.p_own_repeat, 4),
        "shared_text_retweet_share": round(shape.p_shared_retweet, 4),
        "shared_spread_deciles_s": _quantiles(spreads),
        "length_deciles": _quantiles([float(k) for k, c in lengths.items() for _ in range(c)]),
        "first": datetime.fromtimestamp(shape.first, UTC).strftime(_TIME),
        "last": datetime.fromtimestamp(shape.last, UTC).strftime(_TIME),
    }
    return shape


@dataclass
class Account:
    handle: str
    template: Template
    budget: int
    start: float
    end: float
    shard: int
    updates: int
    recent: list[str] = field(default_factory=list)


@dataclass
class Tally:
    rows: int = 0
    retweets: int = 0
    linked: int = 0
    tagged: int = 0
    mentioning: int = 0
    shared_rows: int = 0
    shared_texts: int = 0
    own_repeats: int = 0
    planted_rows: int = 0
    planted_repeats: int = 0
    first: float = float("inf")
    last: float = 0.0
    accounts: set[int] = field(default_factory=set)


class Generator:
    """Streams the rows of one dataset into `shards` CSVs under `out`."""

    def __init__(self, shape: Shape, out: Path, *, posts: int, accounts: int, seed: int) -> None:
        self.shape = shape
        self.out = out
        self.posts = posts
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.accounts = self._plan(accounts)
        self.handles = [a.handle for a in self.accounts]
        self.writers: list[Any] = []
        self.files: list[TextIO] = []
        self._buckets = self._month_buckets()
        # The templates' retweet shares include their shared texts, mostly retweets and
        # written apart (`shared`); the rest is scaled so the whole keeps the real share.
        real = sum(t.retweets for t in shape.templates) / max(1, shape.rows)
        rest = real - shape.p_shared_row * shape.p_shared_retweet
        self._solo_retweets = rest / max(1e-9, (1 - shape.p_shared_row) * real) if real else 1.0

    # --- accounts -----------------------------------------------------------------
    def _plan(self, n: int) -> list[Account]:
        rng, shape = self.rng, self.shape
        order = list(range(len(shape.templates)))
        picks: list[Template] = []
        while len(picks) < n:
            rng.shuffle(order)
            picks += [shape.templates[i] for i in order]
        picks = picks[:n]
        # Each template stands for several accounts; a log-normal factor keeps them apart.
        raw = [t.count * rng.lognormvariate(0, 0.35) for t in picks]
        scale = self.posts / sum(raw)
        budgets = [max(1, round(r * scale)) for r in raw]
        # Exact total: trim or pad the largest accounts.
        diff = self.posts - sum(budgets)
        for i in sorted(range(n), key=lambda i: -budgets[i]):
            if diff == 0:
                break
            step = max(-(budgets[i] - 1), diff) if diff < 0 else diff
            budgets[i] += step
            diff -= step
        out = []
        for i, (t, b) in enumerate(zip(picks, budgets, strict=True)):
            shift = rng.uniform(-60, 60) * 86400
            start = min(max(t.start + shift, shape.first), shape.last)
            end = min(max(t.end + shift, start + 3600), shape.last + 3600)
            name = re.sub(r"\W", "", t.handle)[:10] or "ira"
            out.append(
                Account(f"{name}_{i:04d}", t, b, start, end, 0, t.updates or rng.randint(1, 500))
            )
        return out

    def _month_buckets(self) -> dict[int, Weighted]:
        """Per 30-day bucket: the accounts active then, weighted by posts per bucket."""
        per: dict[int, dict[int, float]] = defaultdict(dict)
        for i, a in enumerate(self.accounts):
            lo, hi = int(a.start // _MONTH), int(a.end // _MONTH)
            for b in range(lo, hi + 1):
                per[b][i] = a.budget / (hi - lo + 1)
        return {b: Weighted(w) for b, w in per.items()}

    # --- text ---------------------------------------------------------------------
    def _link(self) -> str:
        return "https://t.co/" + "".join(self.rng.choices(_ALNUM, k=10))

    def _mention(self) -> str:
        rng = self.rng
        if rng.random() < self.shape.p_mention_ira or not self.shape.mentions:
            return "@" + self.handles[rng.randrange(len(self.handles))]
        return str(self.shape.mentions.one(rng))

    def _text(self, a: Account, *, link: str | None = None, tag: str | None = None) -> str:
        rng, shape = self.rng, self.shape
        target = int(shape.lengths.one(rng))
        front: list[str] = []
        back: list[str] = []
        if rng.random() < shape.p_mention:
            ms = [self._mention() for _ in range(int(shape.mentions_per_post.one(rng)))]
            (front if rng.random() < 0.5 else back).extend(ms)
        if tag or rng.random() < shape.p_tag:
            k = int(shape.tags_per_post.one(rng))
            back += [str(t) for t in shape.hashtags.many(rng, k)] if shape.hashtags else []
            if tag:
                back.append(tag)
        if link:
            back.append(link)
        elif rng.random() < shape.p_link:
            back += [self._link() for _ in range(int(shape.links_per_post.one(rng)))]
        room = target - sum(len(x) + 1 for x in front + back)
        vocab = shape.words.get(a.template.language) or next(iter(shape.words.values()))
        body: list[str] = []
        while room > 0 or not body:
            for w in vocab.many(rng, 16):
                body.append(w)
                room -= len(w) + 1
                if room <= 0:
                    break
            if len(body) > 60:
                break
        return " ".join(front + body + back)

    # --- rows ---------------------------------------------------------------------
    def _time(self, a: Account) -> float:
        rng = self.rng
        t = rng.uniform(a.start, a.end)
        if a.end - a.start > 2 * 86400:
            day = t // 86400 * 86400
            t = day + int(self.shape.hours.one(rng)) * 3600 + rng.uniform(0, 3600)
            t = min(max(t, a.start), a.end)
        return t

    def _write(self, i: int, text: str, t: float, retweet: bool) -> bool:
        a = self.accounts[i]
        if a.budget <= 0:
            return False
        a.budget -= 1
        a.updates += 1
        rng, tally = self.rng, self.tally
        minute = int(t) // 60 * 60
        harvested = minute + (60 if rng.random() < 0.4 else 0)
        tpl = a.template
        post_type = ("Q" if rng.random() < self.shape.p_quote else "R") if retweet else ""
        self.writers[a.shard].writerow(
            [
                a.handle,
                text,
                tpl.region,
                tpl.language,
                time.strftime(_TIME, time.gmtime(minute)),
                time.strftime(_TIME, time.gmtime(harvested)),
                tpl.following,
                tpl.followers,
                a.updates,
                post_type,
                "1" if retweet else "0",
            ]
        )
        tally.rows += 1
        tally.retweets += retweet
        tally.linked += "://" in text
        tally.tagged += _TAG.search(text) is not None
        tally.mentioning += _MENTION.search(text) is not None
        tally.first = min(tally.first, minute)
        tally.last = max(tally.last, minute)
        tally.accounts.add(i)
        a.recent.append(text)
        if len(a.recent) > 8:
            del a.recent[0]
        if tally.rows % 250_000 == 0:
            print(f"  {tally.rows:,} rows", file=sys.stderr, flush=True)
        return True

    def _retweets_of(self, a: Account) -> bool:
        return self.rng.random() < self._solo_retweets * a.template.retweets / max(
            1, a.template.count
        )

    # --- phases -------------------------------------------------------------------
    def plant(self, groups: int, events: int) -> list[dict[str, Any]]:
        """Groups of 4-6 accounts of middling activity posting the same texts and links."""
        rng = self.rng
        by_budget = sorted(range(len(self.accounts)), key=lambda i: self.accounts[i].budget)
        n = len(by_budget)
        middling = [i for i in by_budget[n // 2 : n * 9 // 10] if self.accounts[i].budget > events]
        rng.shuffle(middling)
        lags = [30, 120, 300, 600]
        span = self.shape.last - self.shape.first
        truth = []
        for g in range(groups):
            size = rng.randint(4, 6)
            if len(middling) < size:
                break
            members = [middling.pop() for _ in range(size)]
            lag = lags[g % len(lags)]
            start = self.shape.first + rng.uniform(0.15, 0.75) * span
            length = rng.uniform(21, 42) * 86400
            for i in members:
                a = self.accounts[i]
                a.start, a.end = min(a.start, start), max(a.end, start + length)
            vocab = self.shape.words.get("English") or next(iter(self.shape.words.values()))
            tag = "#" + "".join(re.sub(r"\W", "", str(w)).capitalize() for w in vocab.many(rng, 2))
            link_only = 0
            for e in range(events):
                t0 = start + rng.uniform(0, length)
                leader = members[e % size]
                link = self._link()
                use_tag = tag if rng.random() < 0.5 and len(tag) > 1 else None
                shared = self._text(self.accounts[leader], link=link, tag=use_tag)
                only_link = rng.random() < 0.25
                link_only += only_link
                for i in members:
                    lead = i == leader
                    text = shared
                    if only_link and not lead:
                        text = self._text(self.accounts[i], link=link)
                    elif not lead:
                        self.tally.planted_repeats += 1
                    self.tally.planted_rows += self._write(
                        i, text, t0 if lead else t0 + rng.uniform(0, lag), not lead
                    )
            truth.append(
                {
                    "name": f"planted-{g + 1}",
                    "members": sorted(f"twitter:{self.handles[i].lower()}" for i in members),
                    "handles": sorted(self.handles[i] for i in members),
                    "events": events,
                    "link_only_events": link_only,
                    "max_lag_seconds": lag,
                    "campaign_start": time.strftime(_TIME, time.gmtime(int(start))),
                    "campaign_end": time.strftime(_TIME, time.gmtime(int(start + length))),
                    "hashtag": tag if len(tag) > 1 else None,
                }
            )
        return truth

    def shared(self) -> None:
        """Texts posted by several accounts active at the same time, as measured."""
        rng, shape, tally = self.rng, self.shape, self.tally
        target = int(shape.p_shared_row * self.posts) if shape.authors_per_shared else 0
        starters = Weighted({i: a.budget for i, a in enumerate(self.accounts)})
        misses = 0
        while tally.shared_rows < target and misses < 10_000:
            i = starters.one(rng)
            a = self.accounts[i]
            k = int(shape.authors_per_shared.one(rng))
            if a.budget <= 0:
                misses += 1
                continue
            t0 = self._time(a)
            bucket = self._buckets.get(int(t0 // _MONTH))
            others = []
            if bucket:
                seen = {i}
                for j in bucket.many(rng, 3 * k):
                    if j not in seen and self.accounts[j].budget > 0:
                        seen.add(j)
                        others.append(j)
                        if len(others) == k - 1:
                            break
            if not others:
                misses += 1
                continue
            text = self._text(a)
            spread = shape.spreads[rng.randrange(len(shape.spreads))]
            written = int(self._write(i, text, t0, rng.random() < shape.p_shared_retweet))
            for j in others:
                t = min(t0 + rng.uniform(0, spread), shape.last)
                written += self._write(j, text, t, rng.random() < shape.p_shared_retweet)
            tally.shared_rows += written
            tally.shared_texts += 1

    def solo(self) -> None:
        """Each account's remaining posts: its own texts, now and then one it posted before."""
        rng, shape = self.rng, self.shape
        for i, a in enumerate(self.accounts):
            while a.budget > 0:
                if a.recent and rng.random() < shape.p_own_repeat:
                    text = a.recent[rng.randrange(len(a.recent))]
                    self.tally.own_repeats += 1
                else:
                    text = self._text(a)
                self._write(i, text, self._time(a), self._retweets_of(a))

    def run(self, *, shards: int, groups: int, events: int) -> list[dict[str, Any]]:
        self.out.mkdir(parents=True, exist_ok=True)
        for old in self.out.glob("ira_shaped_*.csv"):
            old.unlink()
        shards = max(1, min(shards, len(self.accounts)))
        for i, a in enumerate(self.accounts):
            a.shard = i % shards
        try:
            for s in range(shards):
                shard = (self.out / f"ira_shaped_{s:02d}.csv").open(
                    "w", encoding="utf-8", newline="", buffering=1 << 20
                )
                self.files.append(shard)
                w = csv.writer(shard)
                w.writerow(HEADER)
                self.writers.append(w)
            truth = self.plant(groups, events)
            self.shared()
            self.solo()
        finally:
            for f in self.files:
                f.close()
        with (self.out / "authors.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["author_id", "author", "account_type", "account_category"])
            for a in self.accounts:
                w.writerow(
                    [a.handle, a.handle, a.template.account_type, a.template.account_category]
                )
        return truth

    def figures(self) -> dict[str, Any]:
        t = self.tally
        rows = max(1, t.rows)
        # Every fresh text is new (t.co links and words drawn afresh); repeats are counted
        # (a chance collision of two very short fresh texts is not).
        repeated = t.own_repeats + (t.shared_rows - t.shared_texts) + t.planted_repeats
        sizes = {p.name: p.stat().st_size for p in sorted(self.out.glob("*.csv"))}
        return {
            "posts": t.rows,
            "accounts": len(t.accounts),
            "distinct_texts": t.rows - repeated,
            "retweet_share": round(t.retweets / rows, 4),
            "link_share": round(t.linked / rows, 4),
            "hashtag_share": round(t.tagged / rows, 4),
            "mention_share": round(t.mentioning / rows, 4),
            "shared_text_rows": t.shared_rows,
            "shared_texts": t.shared_texts,
            "own_repeat_rows": t.own_repeats,
            "planted_rows": t.planted_rows,
            "first": time.strftime(_TIME, time.gmtime(int(t.first))),
            "last": time.strftime(_TIME, time.gmtime(int(t.last))),
            "file_bytes": sizes,
            "total_bytes": sum(sizes.values()),
        }


def generate(
    out: Path,
    *,
    sample: Path = DEFAULT_SAMPLE,
    posts: int = 2_500_000,
    accounts: int = 2_800,
    seed: int = 13,
    groups: int = 4,
    group_events: int = 60,
    shards: int = 16,
) -> dict[str, Any]:
    """Write the dataset; returns what truth.json and shape.json hold."""
    began = time.perf_counter()
    shape = measure(sample)
    measured = time.perf_counter() - began
    gen = Generator(shape, out, posts=posts, accounts=accounts, seed=seed)
    groups_truth = gen.run(shards=shards, groups=groups, events=group_events)
    truth = {
        "format": "ira-tweets",
        "seed": seed,
        "posts": posts,
        "accounts": accounts,
        "groups": groups_truth,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    report = {
        "measured": shape.summary,
        "generated": gen.figures(),
        "seconds": {"measure": round(measured, 1), "total": round(time.perf_counter() - began, 1)},
    }
    (out / "shape.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return {"truth": truth, **report}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("out", type=Path, help="folder to write (its ira_shaped_*.csv are replaced)")
    ap.add_argument("--posts", type=int, default=2_500_000)
    ap.add_argument("--accounts", type=int, default=2_800)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="real per-author CSVs")
    ap.add_argument("--groups", type=int, default=4, help="planted coordinated groups")
    ap.add_argument("--group-events", type=int, default=60, help="posts each group shares")
    ap.add_argument("--shards", type=int, default=16, help="CSV files to spread accounts over")
    args = ap.parse_args(argv)
    if not args.sample.is_dir():
        ap.error(f"--sample {args.sample}: not a folder (the real ira-tweets-by-author CSVs)")
    result = generate(
        args.out,
        sample=args.sample,
        posts=args.posts,
        accounts=args.accounts,
        seed=args.seed,
        groups=args.groups,
        group_events=args.group_events,
        shards=args.shards,
    )
    print(json.dumps({"generated": result["generated"], "seconds": result["seconds"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
