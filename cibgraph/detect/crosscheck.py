"""Cross-check of co-image pairs against CooRTweet's `detect_groups` semantics.

CooRTweet (github.com/nicolarighetti/CooRTweet, `R/detect_groups.R`) does, for
`detect_groups(x, time_window, min_participation)`:

1. keep accounts with at least `min_participation` rows in the input;
2. per object, every pair of shares with |dt| <= time_window;
3. drop loops (same content, same account);
4. keep result rows where either side's account has at least
   `min_participation` shares that appear in the result (its coordinated
   shares, with any partner, on any object).

So `min_participation` is a per-account count of coordinated shares, while
`co_posting_pairs`' `min_shared` is a per-pair count of distinct objects.
Hence, for the same window: ours(min_shared=2) ⊆ CooRTweet(min_participation=2)
⊆ ours(min_shared=1), as sets of account pairs. `reference_pairs` implements
the CooRTweet side in Python; `our_pairs` our semantics on the same rows.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from cibgraph.detect.coordination import group_actions, window_pairs

Share = tuple[str, str, str, int]  # object_id, account_id, content_id, timestamp


def read_coortweet_images(path: Path) -> list[Share]:
    """The image shares of a CooRTweet table (`phash_id` as the object)."""
    out: list[Share] = []
    with Path(path).open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ph = (row.get("phash_id") or "").strip()
            if ph:
                out.append((ph, row["account_id"], row["post_id"], int(float(row["timestamp"]))))
    return out


def reference_pairs(
    shares: list[Share], time_window: int = 60, min_participation: int = 2
) -> set[tuple[str, str]]:
    """Account pairs in CooRTweet's `detect_groups` output (sorted pair tuples)."""
    per_account = Counter(a for _, a, _, _ in shares)
    kept = [s for s in shares if per_account[s[1]] >= min_participation]
    by_object: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for obj, acc, content, ts in kept:
        by_object[obj].append((ts, acc, content))
    rows: list[tuple[str, str, str, str]] = []  # acc, acc_y, content, content_y
    for lst in by_object.values():
        lst.sort()
        start = 0
        for j, (tj, aj, cj) in enumerate(lst):
            while tj - lst[start][0] > time_window:
                start += 1
            for k in range(start, j):
                tk, ak, ck = lst[k]
                if ak != aj and ck != cj:
                    rows.append((ak, aj, ck, cj))
    # min participation: an account's distinct coordinated contents
    contents_in_result = {c for _, _, c, cy in rows for c in (c, cy)}
    account_of = {content: acc for _, acc, content, _ in kept}
    coordinated = Counter(account_of[c] for c in contents_in_result)
    ok = {a for a, n in coordinated.items() if n >= min_participation}
    return {(min(a, b), max(a, b)) for a, b, _, _ in rows if a in ok or b in ok}


def our_pairs(
    shares: list[Share], time_window: int = 60, min_shared: int = 2
) -> set[tuple[str, str]]:
    """`co_posting_pairs` semantics on the same rows (images only, exact objects)."""
    by_item = group_actions((obj, acc, ts, content) for obj, acc, content, ts in shares)
    return {k for k, ev in window_pairs(by_item, time_window).items() if ev.shared >= min_shared}


def compare(shares: list[Share], time_window: int = 60) -> dict[str, int]:
    ref = reference_pairs(shares, time_window, 2)
    ours1 = our_pairs(shares, time_window, 1)
    ours2 = our_pairs(shares, time_window, 2)
    return {
        "image_shares": len(shares),
        "coortweet_pairs": len(ref),
        "ours_min_shared_1": len(ours1),
        "ours_min_shared_2": len(ours2),
        "ours2_within_coortweet": len(ours2 & ref),
        "coortweet_within_ours1": len(ref & ours1),
        "coortweet_only_accounts": len({x for p in ref for x in p}),
        "ours2_accounts": len({x for p in ours2 for x in p}),
    }
