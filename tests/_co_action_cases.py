"""Actions that test every co-action engine against `coordination.co_actions`: planted
cases (ties, an account repeating itself, staggered bursts, a third account just inside or
outside a scale, the window's edge, negative times, items at and over `max_sharers`) and
random ones."""

from __future__ import annotations

import random

from cibgraph.detect.coordination import SCALES

# (scales, max_sharers): every scale, a low sharer cap, one short scale, a short and a wide
# one, and wide scales only
CASES = [
    (SCALES, 200),
    (SCALES, 10),
    ((60,), None),
    ((10, 600), None),
    ((600, 3600, 7200), 12),
]


def stagger(members: list[str], item: str, t0: int, step: int) -> list[tuple[str, str, int, str]]:
    return [(item, m, t0 + j * step, f"{m}:{item}") for j, m in enumerate(members)]


def planted_actions() -> list[tuple[str, str, int, str]]:
    acts: list[tuple[str, str, int, str]] = []
    # ties: several actions of one pair at equal distance (the smallest index wins)
    acts += [("img:tie", a, 100, f"{a}:p{n}") for n, a in enumerate(["b", "a", "c", "a", "b"])]
    acts += [("img:tie", "a", 130, "a:late"), ("img:tie", "b", 70, "b:early")]
    # an account repeating itself: never a pair with itself
    acts += [("url:solo", "a", t, f"a:s{t}") for t in (0, 5, 10)]
    acts += [("url:rep", "a", t, f"a:r{t}") for t in (0, 5, 10)] + [("url:rep", "b", 7, "b:r")]
    # staggered bursts, five minutes apart, and a pair with a third account 20 minutes off
    for k in range(4):
        acts += stagger(["e1", "e2", "e3", "e4"], f"img:s{k}", 86400 * k, 300)
        acts += [(f"txt:f{k}", "f1", 86400 * k, "f1"), (f"txt:f{k}", "f2", 86400 * k + 40, "f2")]
        acts += [(f"txt:f{k}", "f3", 86400 * k + 40 + 1200 + 30 * k, "f3")]
    # a pair at exactly the window's edge and just past it
    acts += [("url:edge", "g1", 0, "g1"), ("url:edge", "g2", 3600, "g2")]
    acts += [("url:past", "g1", 0, "g1x"), ("url:past", "g2", 3601, "g2x")]
    # negative times (before 1970) bucket like any other
    acts += [
        ("img:old", "h1", -3601, "h1"),
        ("img:old", "h2", -1, "h2"),
        ("img:old", "h3", 59, "h3"),
    ]
    # an item over max_sharers (gives no pairs) and one just at it
    acts += [("img:viral", f"v{n:02d}", 10 * n, f"v{n}") for n in range(12)]
    acts += [("img:ten", f"v{n:02d}", 7 * n, f"w{n}") for n in range(10)]
    return acts


def random_actions(seed: int, n_items: int = 60) -> list[tuple[str, str, int, str]]:
    rng = random.Random(seed)
    accounts = [f"acc{n}" for n in range(25)] + ["Zed", "zed", "é"]
    acts = []
    for i in range(n_items):
        base = rng.randrange(-(10**6), 10**9)
        for n in range(rng.randrange(1, 30)):
            t = base + rng.choice(
                [0, 0, rng.randrange(120), rng.randrange(4000), rng.randrange(10**5)]
            )
            acts.append((f"it{i}", rng.choice(accounts), t, f"p{i}-{n}"))
    return acts
