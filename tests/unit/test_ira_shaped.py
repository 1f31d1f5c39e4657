"""bench/ira_shaped.py: IRA-shaped posts the ira-tweets adapter reads without rejects,
with the planted groups in truth.json and in the rows."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from cibgraph.ingest import records, sniff
from cibgraph.ingest.adapters import ira_tweets
from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import ParseError

ROOT = Path(__file__).resolve().parents[2]
REAL_SAMPLE = ROOT.parent / "shared" / "data" / "ira-tweets-by-author"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ira_shaped", ROOT / "bench" / "ira_shaped.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ira_shaped"] = module
    spec.loader.exec_module(module)
    return module


ira_shaped = _load()


def _fake_sample(root: Path) -> Path:
    """A few authors in the per-author format: links, hashtags, mentions, shared texts."""
    rng = random.Random(5)
    words = "the vote news police city march people today border great again watch".split()
    ru = "новости выборы город сегодня люди Москва".split()
    root.mkdir()
    (root / "E").mkdir()
    with (root / "authors.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["author_id", "author", "account_type", "account_category"])
        for i in range(6):
            w.writerow([f"Author{i}", f"Author{i}", "Right", "RightTroll"])
    shared = [" ".join(rng.choices(words, k=8)) + " https://t.co/S" + str(k) for k in range(5)]
    for i in range(6):
        lang, vocab = ("Russian", ru) if i == 5 else ("English", words)
        with (root / "E" / f"Author{i}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(ira_shaped.HEADER)
            for n in range(20 * (i + 1)):
                text = " ".join(rng.choices(vocab, k=rng.randint(3, 15)))
                if n % 3 == 0:
                    text += f" https://t.co/x{i}y{n}"
                if n % 4 == 0:
                    text += " #MAGA"
                if n % 5 == 0:
                    text = f"@Author{(i + 1) % 6} @someone " + text
                day = 1 + n % 28
                if n < 5 and i < 4:
                    text, day = shared[n], 1
                stamp = f"2016-{1 + i:02d}-{day:02d} {n % 24:02d}:{n % 60:02d}:00"
                w.writerow(
                    [f"Author{i}", text, "United States", lang, stamp, stamp, 10, 20, n, "R", n % 2]
                )
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    base = tmp_path_factory.mktemp("ira_shaped")
    sample = _fake_sample(base / "sample")
    out = base / "out"
    result = ira_shaped.generate(
        out, sample=sample, posts=5_000, accounts=60, seed=7, groups=4, group_events=20, shards=4
    )
    return out, result


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.csv")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_the_adapter_reads_every_row_without_a_reject(dataset):
    out, _ = dataset
    assert sniff.choose(out).format == "ira-tweets"
    counts: dict[str, int] = defaultdict(int)
    handles = set()
    for source in ira_tweets.sources(out):
        for line, _, obj in source.items():
            assert not isinstance(obj, ParseError), f"{source.file}:{line}: {obj.reason}"
            try:
                records.validate(source.kind, obj, trusted=source.trusted)
            except RecordError as e:
                pytest.fail(f"{source.file}:{line}: {e.field}: {e.reason}")
            counts[source.kind] += 1
            if source.kind == "posts":
                handles.add(obj["account_id"])
    assert counts["posts"] == 5_000
    assert counts["accounts"] == len(handles) == 60


def test_planted_groups_are_in_truth_and_post_together(dataset):
    out, result = dataset
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth == result["truth"]
    groups = truth["groups"]
    assert len(groups) == 4
    members = [m for g in groups for m in g["members"]]
    assert len(members) == len(set(members)), "groups share no account"
    by_text: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for f in sorted(out.glob("ira_shaped_*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                t = datetime.strptime(row["publish_date"], "%Y-%m-%d %H:%M:%S")
                account = ira_tweets.account_id(row["author_id"])
                by_text[row["content"]].append((account, t.replace(tzinfo=UTC).timestamp()))
    for g in groups:
        assert 4 <= len(g["members"]) <= 6
        together = 0
        for posts in by_text.values():
            accounts = {a for a, _ in posts}
            if set(g["members"]) <= accounts:
                times = [t for a, t in posts if a in g["members"]]
                assert max(times) - min(times) <= g["max_lag_seconds"] + 60
                together += 1
        # every event but the link-only ones is one text posted by all members
        assert together >= g["events"] - g["link_only_events"]


def test_the_same_seed_writes_the_same_files(dataset, tmp_path):
    out, _ = dataset
    sample = _fake_sample(tmp_path / "sample")
    kwargs = {"sample": sample, "posts": 5_000, "accounts": 60, "groups": 4, "group_events": 20}
    ira_shaped.generate(tmp_path / "again", seed=7, shards=4, **kwargs)
    ira_shaped.generate(tmp_path / "other", seed=8, shards=4, **kwargs)
    assert _digest(tmp_path / "again") == _digest(out)
    assert _digest(tmp_path / "other") != _digest(out)


def test_most_texts_are_distinct_and_the_shape_follows_the_sample(dataset):
    _, result = dataset
    measured, generated = result["measured"], result["generated"]
    assert generated["posts"] == 5_000
    assert generated["distinct_texts"] > 0.7 * 5_000
    assert generated["shared_text_rows"] > 0
    for share in ("link_share", "hashtag_share", "mention_share"):
        assert abs(generated[share] - measured[share]) < 0.1, share


@pytest.mark.realdata
@pytest.mark.slow
def test_on_the_real_sample_the_shares_match(tmp_path):
    if not REAL_SAMPLE.is_dir():
        pytest.skip(f"{REAL_SAMPLE} is absent (the shared real data)")
    result = ira_shaped.generate(
        tmp_path / "out", sample=REAL_SAMPLE, posts=50_000, accounts=400, seed=1
    )
    measured, generated = result["measured"], result["generated"]
    assert measured["authors"] > 300
    for share in ("retweet_share", "link_share", "hashtag_share", "mention_share"):
        assert abs(generated[share] - measured[share]) < 0.08, share
    assert generated["distinct_texts"] > 0.8 * 50_000
