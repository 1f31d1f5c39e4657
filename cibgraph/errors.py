"""Errors that the CLI, the API and the views share."""

from __future__ import annotations


class NotFound(LookupError):
    """No group, account or other subject with the id asked for (the API answers 404)."""


class ServerMemoryExceeded(RuntimeError):
    """The server refused a read for want of transaction memory (`Graph.stream`)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the Neo4j server ran out of transaction memory for a read: {detail} "
            "Give the server a larger heap (CIBGRAPH_HEAP_SIZE for the managed server; "
            "dbms.memory.transaction.total.max defaults to 70 % of it) or raise that "
            "setting in neo4j.conf."
        )
