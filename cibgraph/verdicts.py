"""Analysts' verdicts on groups and accounts: an append-only audit trail in Neo4j.

Each verdict is its own `Verdict` node (never updated or deleted), linked to its
subject by `VERDICT_ON`. Every verdict on the same subject shares a `history`
id. Accounts keep their ids across re-ingests, so their histories simply stay
linked. A group's id is a hash of its members, so after `detect` a group whose
membership changed is a new node and the old one is gone: `carry_verdicts`
re-links each orphaned history to the new group that best overlaps the members
recorded with its latest verdict, and flags that group as changed since the
verdict.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any

import typer

from cibgraph.db import Graph, to_jsonable
from cibgraph.errors import NotFound
from cibgraph.model import label, rel_type

VERDICTS = ("confirmed", "benign", "needs_review")
NOTE_MAX = 2000
KINDS = {"group": "Group", "account": "Account"}
# A history follows a new group only if the groups overlap at least this much
# (Jaccard of member sets): a group that lost or gained a couple of members, not
# an unrelated group that happens to share one account.
MIN_OVERLAP = 0.3

V, VON, MO = label("Verdict"), rel_type("VERDICT_ON"), rel_type("MEMBER_OF")
G, A = label("Group"), label("Account")


class VerdictError(ValueError):
    """A verdict that cannot be recorded (bad value, note too long, unknown subject)."""


class UnknownSubject(NotFound):
    """No group or account with that id (the API answers 404)."""


def check(verdict: str, note: str | None) -> str:
    if verdict not in VERDICTS:
        raise VerdictError(f"unknown verdict {verdict!r}; allowed: {', '.join(VERDICTS)}")
    note = note or ""
    if len(note) > NOTE_MAX:
        raise VerdictError(f"the note has {len(note)} characters; at most {NOTE_MAX} are allowed")
    return note


_FIELDS = "v {.id, .kind, .target_id, .verdict, .note, .by, .at, .members, .history, .seq}"


def _record_cypher(kind: str) -> str:
    subject = label(KINDS[kind])
    members = (
        f"OPTIONAL MATCH (s)<-[:{MO}]-(m:{A}) WITH s, m ORDER BY m.id "
        "WITH s, collect(m.id) AS members "
        if kind == "group"
        else "WITH s, null AS members "
    )
    return (
        f"MATCH (s:{subject} {{id: $id}}) " + members + f"OPTIONAL MATCH (old:{V})-[:{VON}]->(s) "
        "WITH s, members, old ORDER BY old.at DESC, old.seq DESC "
        "WITH s, members, collect(old) AS olds "
        f"CREATE (v:{V} {{id: randomUUID(), kind: $kind, target_id: $id, verdict: $verdict, "
        "note: $note, by: $by, at: datetime(), members: members, "
        "history: coalesce(olds[0].history, $kind + ':' + $id), seq: size(olds) + 1}) "
        f"CREATE (v)-[:{VON}]->(s) "
        + (
            "SET s.verdict = $verdict, s.changed_since_verdict = false "
            if kind == "group"
            else "SET s.verdict = $verdict "
        )
        + f"RETURN {_FIELDS} AS v"
    )


def record_verdict(
    graph: Graph, kind: str, target_id: str, verdict: str, note: str | None, by: str
) -> dict[str, Any]:
    """Append one verdict; returns it. Raises VerdictError or UnknownSubject."""
    if kind not in KINDS:
        raise VerdictError(f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
    note = check(verdict, note)
    rows = graph.write(
        _record_cypher(kind),
        {"id": target_id, "kind": kind, "verdict": verdict, "note": note, "by": by},
    )
    if not rows:
        raise UnknownSubject(f"no {kind} with id {target_id!r}")
    return to_jsonable(rows[0]["v"])


def verdict_info(graph: Graph, kind: str, target_id: str) -> dict[str, Any]:
    """`{"verdict": latest or None, "history": oldest first, "changed_since_verdict": bool}`."""
    subject = label(KINDS[kind])
    rows = graph.read(
        f"MATCH (v:{V})-[:{VON}]->(s:{subject} {{id: $id}}) "
        f"RETURN {_FIELDS} AS v ORDER BY v.at, v.seq, v.id",
        {"id": target_id},
    )
    history = [to_jsonable(r["v"]) for r in rows]
    changed = False
    if history and kind == "group":
        members = graph.read(
            f"MATCH (:{G} {{id: $id}})<-[:{MO}]-(m:{A}) RETURN collect(m.id) AS ids",
            {"id": target_id},
        )[0]["ids"]
        changed = set(members) != set(history[-1].get("members") or [])
    return {
        "verdict": history[-1] if history else None,
        "history": history,
        "changed_since_verdict": changed,
    }


def verdicts_by_subject(graph: Graph, kind: str) -> dict[str, dict[str, Any]]:
    """The current verdict of every group or account that has one (for tables)."""
    subject = label(KINDS[kind])
    rows = graph.read(
        f"MATCH (v:{V})-[:{VON}]->(s:{subject}) WITH s, v ORDER BY v.at, v.seq "
        f"WITH s, collect({_FIELDS}) AS vs "
        "RETURN s.id AS id, vs[-1] AS v, size(vs) AS n, "
        "coalesce(s.changed_since_verdict, false) AS changed"
    )
    return {
        r["id"]: {**to_jsonable(r["v"]), "count": r["n"], "changed": r["changed"]} for r in rows
    }


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass
class CarryReport:
    histories: int = 0
    kept: int = 0
    carried: list[tuple[str, str]] = field(default_factory=list)  # (history, new group id)
    orphaned: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)


def best_group(members: set[str], groups: dict[str, set[str]], minimum: float) -> str | None:
    scored = [(jaccard(members, ms), gid) for gid, ms in groups.items()]
    scored = [s for s in scored if s[0] >= minimum and s[0] > 0]
    if not scored:
        return None
    # Highest overlap; ties to the smallest id, so the choice is repeatable.
    return min(scored, key=lambda s: (-s[0], s[1]))[1]


def carry_verdicts(graph: Graph, *, min_overlap: float = MIN_OVERLAP) -> CarryReport:
    """After detection: link every group verdict history to its group; flag changes.

    Idempotent: a second call finds every history linked and changes nothing.
    """
    report = CarryReport()
    groups = {
        r["id"]: set(r["members"])
        for r in graph.read(
            f"MATCH (g:{G}) OPTIONAL MATCH (g)<-[:{MO}]-(m:{A}) "
            "RETURN g.id AS id, collect(m.id) AS members"
        )
    }
    rows = graph.read(
        f"MATCH (v:{V} {{kind: 'group'}}) OPTIONAL MATCH (v)-[:{VON}]->(g:{G}) "
        "RETURN v.history AS history, v.id AS id, v.members AS members, v.verdict AS verdict, "
        "v.at AS at, v.seq AS seq, collect(g.id) AS linked ORDER BY v.at, v.seq, v.id"
    )
    histories: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        histories.setdefault(r["history"], []).append(r)
    links: list[dict[str, Any]] = []
    current: dict[
        str, tuple[tuple[float, int], dict[str, Any]]
    ] = {}  # group -> (sort key, latest verdict)
    for history, vs in sorted(histories.items()):
        report.histories += 1
        latest = vs[-1]
        linked = {g for v in vs for g in v["linked"] if g in groups}
        if linked:
            report.kept += 1
            targets = linked
        else:
            target = best_group(set(latest["members"] or []), groups, min_overlap)
            if target is None:
                report.orphaned.append(history)
                continue
            report.carried.append((history, target))
            targets = {target}
        at = latest["at"].to_native() if latest["at"] is not None else None
        key = (at.timestamp() if at else 0.0, latest["seq"] or 0)
        for t in targets:
            links += [{"v": v["id"], "g": t} for v in vs]
            if t not in current or key > current[t][0]:
                current[t] = (key, latest)
    if links:
        graph.write(
            f"UNWIND $rows AS row MATCH (v:{V} {{id: row.v}}) MATCH (g:{G} {{id: row.g}}) "
            f"MERGE (v)-[:{VON}]->(g)",
            {"rows": links},
        )
    flags = []
    for gid, (_, latest) in sorted(current.items()):
        changed = groups[gid] != set(latest["members"] or [])
        if changed:
            report.flagged.append(gid)
        flags.append({"g": gid, "verdict": latest["verdict"], "changed": changed})
    graph.write(
        f"MATCH (g:{G}) WHERE g.verdict IS NOT NULL AND NOT g.id IN $ids "
        "REMOVE g.verdict, g.changed_since_verdict",
        {"ids": [f["g"] for f in flags]},
    )
    if flags:
        graph.write(
            f"UNWIND $rows AS row MATCH (g:{G} {{id: row.g}}) "
            "SET g.verdict = row.verdict, g.changed_since_verdict = row.changed",
            {"rows": flags},
        )
    return report


# ---------------------------------------------------------------- CLI

verdict_app = typer.Typer(
    help="Record a verdict (confirmed, benign, needs_review) on a group or an account.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(verdict_app, name="verdict")


def _cli(kind: str, target_id: str, verdict: str, note: str, by: str | None) -> None:
    who = by or f"cli:{getpass.getuser()}"
    try:
        check(verdict, note)
        with Graph() as graph:
            v = record_verdict(graph, kind, target_id, verdict, note, who)
            n = len(verdict_info(graph, kind, target_id)["history"])
    except (VerdictError, UnknownSubject) as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    typer.echo(
        f"Recorded {v['verdict']} on {kind} {target_id} by {who} at {v['at']} ({n} in history)"
    )


_NOTE = typer.Option("", "--note", help=f"Free text, at most {NOTE_MAX} characters.")
_BY = typer.Option(None, "--by", help="Who records it (default: cli:<your user name>).")
_VERDICT = typer.Argument(..., help=" | ".join(VERDICTS))


@verdict_app.command("group")
def verdict_group(
    group_id: str = typer.Argument(..., help="Group id."),
    verdict: str = _VERDICT,
    note: str = _NOTE,
    by: str | None = _BY,
) -> None:
    """Append a verdict to a group's history."""
    _cli("group", group_id, verdict, note, by)


@verdict_app.command("account")
def verdict_account(
    account_id: str = typer.Argument(..., help="Account id, e.g. twitter:123."),
    verdict: str = _VERDICT,
    note: str = _NOTE,
    by: str | None = _BY,
) -> None:
    """Append a verdict to an account's history."""
    _cli("account", account_id, verdict, note, by)
