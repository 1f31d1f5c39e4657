"""Precision and recall of every signal against a scenario's ground truth (`truth.json`).

Each signal is measured through the stored query an investigator would run,
so what is evaluated is what the catalogue returns. The plain co-share
baseline (`co_posting_pairs`: any pair with at least `min_shared` items
co-posted within 60 s, unweighted) is measured alongside the groups.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cibgraph.cypher.catalogue import load_catalogue
from cibgraph.db import Graph, to_jsonable
from cibgraph.detect.coordination import plain_co_share_pairs  # noqa: F401  (documented twin)

BASELINE_MIN_SHARED = (2, 3, 5)


def prf(predicted: Iterable[Any], actual: Iterable[Any]) -> dict[str, Any]:
    """Precision, recall and F1 of a predicted set against the true set."""
    p, a = set(predicted), set(actual)
    tp = len(p & a)
    precision = tp / len(p) if p else (1.0 if not a else 0.0)
    recall = tp / len(a) if a else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "predicted": len(p),
        "actual": len(a),
        "true_positives": tp,
        "false_positives": sorted(map(str, p - a))[:20],
        "missed": sorted(map(str, a - p))[:20],
    }


def _run(graph: Graph, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A stored query, read-only, without the interactive result cap."""
    q = load_catalogue()[name]
    rows = graph.read(q.cypher, q.bind(params or {}), timeout=3600)
    return [to_jsonable(r) for r in rows]


def evaluate(graph: Graph, truth_path: Path) -> dict[str, Any]:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    out: dict[str, Any] = {}

    groups = _run(graph, "coordinated_groups")
    out["coordinated_accounts"] = prf(
        (m for g in groups for m in g["members"]), truth["coordinated_accounts"]
    )
    out["coordinated_accounts"]["groups_found"] = len(groups)
    true_groups = [set(g) for g in truth["groups"]]
    out["groups_recovered"] = sum(
        1 for tg in true_groups if any(set(g["members"]) == tg for g in groups)
    )
    grouped = {m for g in groups for m in g["members"]}
    # recall per tactic, and what each trap put into groups (false positives)
    for tactic, members in sorted(truth.get("tactics", {}).items()):
        out[f"tactic_{tactic}"] = prf(grouped & set(members), members)
    traps = dict(truth.get("hard_negatives", {}))
    traps["friend_circles"] = [a for c in traps.get("friend_circles", []) for a in c]
    out["trap_false_positives"] = {
        name: sorted(grouped & set(accs))
        for name, accs in sorted(traps.items())
        if isinstance(accs, list)
    }

    pairs = _run(graph, "co_posting_pairs", {"min_shared": min(BASELINE_MIN_SHARED)})
    for k in BASELINE_MIN_SHARED:
        flagged = {
            x for r in pairs if r["shared"] >= k for x in (r["account_id"], r["other_account_id"])
        }
        out[f"baseline_co_share_min{k}"] = prf(flagged, truth["coordinated_accounts"])

    cohorts = _run(graph, "creation_cohorts")
    out["creation_cohorts"] = prf(
        (a for r in cohorts for a in r["account_ids"]),
        (a for c in truth["creation_cohorts"] for a in c["account_ids"]),
    )
    quiet = _run(graph, "went_quiet_together")
    out["went_quiet_together"] = prf(
        (a for r in quiet for a in r["account_ids"]),
        (a for c in truth["went_quiet_together"] for a in c["account_ids"]),
    )
    succ = _run(graph, "successor_accounts")
    out["successors"] = prf((r["account_id"] for r in succ), truth["successors"])
    out["successor_links"] = prf(
        ((r["account_id"], p) for r in succ for p in r["predecessor_ids"]),
        ((s, p) for s, preds in truth["successors"].items() for p in preds),
    )
    borrowed = _run(graph, "borrowed_profile_photos")
    out["borrowed_profile_photos"] = prf(
        (r["account_id"] for r in borrowed), truth["borrowed_profile_photos"]
    )
    shared = _run(graph, "shared_profile_photos")
    out["shared_profile_photos"] = prf(
        (a for r in shared for a in r["account_ids"]),
        (a for g in truth["shared_profile_photos"] for a in g),
    )
    sponsors = _run(graph, "unregistered_ad_sponsors")
    from cibgraph.ingest.normalise import sponsor_name

    out["unregistered_sponsors"] = prf(
        (sponsor_name(r["sponsor"]) for r in sponsors),
        (sponsor_name(s) for s in truth["unregistered_sponsors"]),
    )
    out["unregistered_sponsor_buyers"] = prf(
        (a for r in sponsors for a in r["account_ids"]),
        (a for accs in truth["unregistered_sponsors"].values() for a in accs),
    )
    names = _run(graph, "similar_names")
    out["similar_names"] = prf(
        (tuple(sorted((r["account_id"], r["other_account_id"]))) for r in names),
        (tuple(p) for p in truth["similar_names"]),
    )
    devoted = _run(graph, "devoted_accounts", {"hashtags": truth["hashtags"]})
    out["devoted_accounts"] = prf((r["account_id"] for r in devoted), truth["devoted_accounts"])
    return out


def format_report(result: dict[str, Any]) -> str:
    lines = [f"{'signal':34} {'precision':>9} {'recall':>7} {'F1':>6} {'pred':>6} {'true':>6}"]
    for name, r in result.items():
        if name == "trap_false_positives":
            for trap, accs in r.items():
                lines.append(f"{'trap ' + trap:34} {len(accs)} in groups")
            continue
        if not isinstance(r, dict):
            lines.append(f"{name:34} {r}")
            continue
        lines.append(
            f"{name:34} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} "
            f"{r['predicted']:6d} {r['actual']:6d}"
        )
    return "\n".join(lines)
