"""The graph's allow-list: every label and relationship type cibgraph writes.

Cypher cannot take labels or types as parameters, so any code that must put
one into query text calls `label()` / `rel_type()`, which refuse anything not
listed here. docs/model.md describes each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cibgraph.db import Graph

# label -> its key property (unique constraint)
NODE_KEYS: Final[dict[str, str]] = {
    "Account": "id",
    "Post": "id",
    "Hashtag": "name",
    "Url": "url",
    "Domain": "name",
    "Image": "key",
    "Ad": "id",
    "Sponsor": "name_norm",
    "ReferenceImage": "id",
    "IngestRun": "id",
    "SourceFile": "path",
    "Group": "id",
    "Item": "key",
    "Verdict": "id",
}

REL_TYPES: Final[frozenset[str]] = frozenset(
    {
        "POSTED",
        "TAGGED",
        "MENTIONS",
        "LINKS_TO",
        "ON_DOMAIN",
        "HAS_MEDIA",
        "HAS_PROFILE_IMAGE",
        "REPOST_OF",
        "REPLY_TO",
        "LIKED",
        "COMMENTED",
        "SHARED",
        "FOLLOWS",
        "BOUGHT",
        "SPONSORED_BY",
        "PROMOTED",
        "DEPICTS",
        "NEAR_DUPLICATE",
        "COORDINATED_WITH",
        "MEMBER_OF",
        "LOADED",
        "CARRIES",
        "ABOUT",
        "EVIDENCE",
        "VERDICT_ON",
    }
)

# Secondary indexes the loaders and stored queries rely on: (label, property).
INDEXES: Final[tuple[tuple[str, str], ...]] = (
    ("Account", "handle_norm"),
    ("Account", "created_at"),
    ("Account", "last_post_at"),
    ("Post", "posted_at"),
    ("Post", "text_key"),
    ("Image", "sha256"),
    ("Image", "phash"),
    ("Sponsor", "registered"),
    ("Verdict", "history"),
)

INTERACTION_KINDS: Final[dict[str, str]] = {
    "like": "LIKED",
    "comment": "COMMENTED",
    "share": "SHARED",
}


class ModelError(ValueError):
    """A label or relationship type outside the allow-list."""


def label(name: str) -> str:
    if name not in NODE_KEYS:
        raise ModelError(f"label {name!r} is not in the allow-list")
    return name


def rel_type(name: str) -> str:
    if name not in REL_TYPES:
        raise ModelError(f"relationship type {name!r} is not in the allow-list")
    return name


def schema_statements() -> list[str]:
    """Constraint and index DDL, idempotent (IF NOT EXISTS), names derived from the model."""
    out = [
        f"CREATE CONSTRAINT {lbl.lower()}_{key}_unique IF NOT EXISTS "
        f"FOR (n:{label(lbl)}) REQUIRE n.{key} IS UNIQUE"
        for lbl, key in NODE_KEYS.items()
    ]
    out += [
        f"CREATE INDEX {lbl.lower()}_{prop} IF NOT EXISTS FOR (n:{label(lbl)}) ON (n.{prop})"
        for lbl, prop in INDEXES
    ]
    return out


def ensure_schema(graph: Graph) -> None:
    """Create every constraint and index (no-op when present) and wait for them."""
    for stmt in schema_statements():
        graph.write(stmt)
    graph.write("CALL db.awaitIndexes(300)")
