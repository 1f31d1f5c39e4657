"""How the near-identical caption threshold was chosen, measured in one run.

    python bench/text_threshold_bench.py [--real ../shared/data/ira-tweets-by-author]

1. Light edits (the copy-paste tactic: case, an emoji, a swapped word, another
   hashtag tail; one or two of them) of generated 10-16 word captions: the
   word-pair Jaccard of each edit against its original.
2. Unrelated captions drawn from the same small vocabulary (the hardest
   strangers: same topic, same words): their Jaccard.
3. On real text, the IRA tweets (not used to tune anything): how many distinct
   tweets each threshold joins into clusters, and examples of pairs just above
   and just below the threshold, to read.

Prints the distributions and, per threshold, recall on edits and the share of
stranger pairs merged. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cibgraph.detect.synth import _paraphrase, _sentence  # noqa: E402
from cibgraph.detect.text_similarity import (  # noqa: E402
    MIN_FUZZY_WORDS,
    jaccard,
    normalise_caption,
    shingles,
    text_clusters,
)

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _sh(text: str) -> set[str]:
    return shingles(normalise_caption(text).words)


def _quantiles(xs: list[float]) -> str:
    xs = sorted(xs)
    q = [xs[int(p * (len(xs) - 1))] for p in (0.0, 0.01, 0.05, 0.5, 0.95, 0.99, 1.0)]
    return " ".join(f"{x:.2f}" for x in q)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=Path("../shared/data/ira-tweets-by-author"))
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--limit", type=int, default=50_000, help="distinct real texts to cluster")
    ap.add_argument(
        "--real-thresholds", default="0.4,0.5,0.6,0.7", help="thresholds tried on real text"
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)

    edits, strangers = [], []
    for _ in range(args.pairs):
        base = _sentence(rng, rng.randint(10, 16))
        edits.append(jaccard(_sh(base), _sh(_paraphrase(rng, base))))
        strangers.append(jaccard(_sh(base), _sh(_sentence(rng, rng.randint(10, 16)))))
    print("quantiles (min 1% 5% median 95% 99% max)")
    print(f"  light edits:        {_quantiles(edits)}")
    print(f"  same-topic strangers: {_quantiles(strangers)}")
    print(f"{'threshold':>9} {'edits found':>12} {'strangers merged':>17}")
    for th in THRESHOLDS:
        found = sum(1 for x in edits if x >= th) / len(edits)
        merged = sum(1 for x in strangers if x >= th) / len(strangers)
        print(f"{th:9.1f} {found:12.4f} {merged:17.5f}")

    if not args.real.is_dir():
        print(f"real data {args.real} absent: skipped")
        return 0
    texts: dict[str, str] = {}
    for path in sorted(args.real.rglob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as f:
            for row in csv.DictReader(f):
                content = row.get("content") or ""
                if len(normalise_caption(content).words) >= MIN_FUZZY_WORDS:
                    texts.setdefault(content, content)
    every = sorted(texts.items())
    pairs = random.Random(args.seed).sample(every, min(args.limit, len(every)))
    print(
        f"\nIRA tweets: {len(every)} distinct texts of {MIN_FUZZY_WORDS}+ words; "
        f"a random {len(pairs)} of them clustered",
        flush=True,
    )
    for th in (float(x) for x in args.real_thresholds.split(",")):
        t0 = time.perf_counter()
        clusters = text_clusters(pairs, threshold=th)
        joined = len(clusters)
        roots = len(set(clusters.values()))
        print(
            f"  threshold {th:.1f}: {joined} texts joined into {roots} clusters "
            f"({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
    # pairs around the chosen threshold, to read
    clusters = text_clusters(pairs, threshold=0.4)
    shown = 0
    for key, root in sorted(clusters.items()):
        j = jaccard(_sh(key), _sh(root))
        if 0.4 <= j < 0.6 and shown < 10:
            print(f"\n  J={j:.2f}\n    {root[:140]!r}\n    {key[:140]!r}")
            shown += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
