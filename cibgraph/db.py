"""The one place that talks to the Neo4j driver.

Everything else asks for a `Graph` and calls `read`/`write`; values always
travel as parameters, and stored queries go through `read`, which uses a
read-only transaction (read routing) with a timeout. `probe` and `components`
serve the local server's start and status, which ask a Bolt port before any
`Graph` is configured for it. `to_jsonable` is the one conversion of the
driver's values (nodes, temporal values, ...) to JSON values.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from typing import Any, Protocol

import neo4j
from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration, Time

from cibgraph.errors import ServerMemoryExceeded
from cibgraph.settings import Settings, get_settings

# The server's codes for a query over the transaction memory limits.
MEMORY_CODES = ("MemoryPoolOutOfMemoryError", "TransactionMemoryLimit")


@contextmanager
def _memory_errors() -> Iterator[None]:
    """The server running out of transaction memory as `ServerMemoryExceeded`."""
    try:
        yield
    except neo4j.exceptions.Neo4jError as e:
        if any(code in (e.code or "") for code in MEMORY_CODES):
            raise ServerMemoryExceeded(e.message or str(e)) from e
        raise


def _driver(uri: str, user: str, password: str) -> Driver:
    # Stored queries name labels and types a partial dataset may lack; the server would
    # send a warning for each, on every call. Asked not to, rather than muting a logger.
    return GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF")


def make_driver(settings: Settings | None = None) -> Driver:
    s = settings or get_settings()
    return _driver(s.neo4j_uri, s.neo4j_user, s.password())


def probe(uri: str, user: str, password: str) -> None:
    """Connect once to `uri` with these credentials. Raises the driver's error
    (`AuthError`, `ServiceUnavailable`, ...) when the server is down or refuses them."""
    with _driver(uri, user, password) as d:
        d.verify_connectivity()


def components(uri: str, user: str, password: str) -> dict[str, Any]:
    """The server's name, version and edition (`dbms.components()`)."""
    with _driver(uri, user, password) as d:
        records, _, _ = d.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
    return records[0].data()


def to_jsonable(value: Any) -> Any:
    """Neo4j values (and dataclasses holding them) as plain JSON values; temporal
    values as ISO 8601 strings."""
    if isinstance(value, DateTime | Date | Time):
        return value.iso_format()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, Node):
        return {
            "element_id": value.element_id,
            "labels": sorted(value.labels),
            **{k: to_jsonable(v) for k, v in value.items()},
        }
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: to_jsonable(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return [to_jsonable(n) for n in value.nodes]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Nodes per record of a `bundled` read.
BUNDLE = 5000


def bundled(nodes: str, var: str, each: str, columns: dict[str, str]) -> str:
    """A read whose rows come back many to a record, as one list per column.

    `nodes` binds the node variable `var` (say `MATCH (u:Url) WHERE ...`); `each` is run
    for each node in turn (`MATCH (u)<-[:LINKS_TO]-(p) ...`, bindings only, no RETURN),
    and `columns` names each output column's expression over its bindings. Every
    `$bundle` nodes (`BUNDLE`) make one record. Per record, Bolt and the driver cost
    about 20 µs, more than most rows do to make: on 500,000 posts, the 132,136
    (post, item) rows detect reads took 2.8 s as records and 0.3 s as bundles. A row with
    a null column is left out, since it would shift that column's list against the
    others. Read the rows back with `unbundle`."""
    names = list(columns)
    each_row = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    present = " AND ".join(f"{name} IS NOT NULL" for name in names)
    collected = ", ".join(f"collect({name}) AS {name}" for name in names)
    return (
        # range(0, -1, n) is [0] for n > 1, hence the test for no nodes
        f"{nodes} WITH collect({var}) AS bundle_nodes WHERE size(bundle_nodes) > 0 "
        "UNWIND range(0, size(bundle_nodes) - 1, $bundle) AS bundle_at "
        "CALL (bundle_nodes, bundle_at) { "
        f"UNWIND bundle_nodes[bundle_at..bundle_at + $bundle] AS {var} {each} "
        f"WITH {each_row} WHERE {present} RETURN {collected} }} "
        f"RETURN {', '.join(names)}"
    )


def unbundle(records: Iterable[Any], names: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of a `bundled` read, as tuples in the order of `names`."""
    names = list(names)
    for record in records:
        yield from zip(*(record[name] for name in names), strict=True)


class Reader(Protocol):
    """What a pure read needs of a `Graph`: a bulk load passes a graph known to be empty."""

    def read(
        self, cypher: str, params: dict[str, Any] | None = None, /
    ) -> list[dict[str, Any]]: ...


class Graph:
    """A driver bound to one database, with read and write helpers."""

    def __init__(self, settings: Settings | None = None, driver: Driver | None = None) -> None:
        self.settings = settings or get_settings()
        self.driver = driver or make_driver(self.settings)
        self.database = self.settings.neo4j_database
        self._reached = False

    def _reach(self) -> None:
        """Before the first unit of work: fail at once when the server is down or refuses
        the credentials, instead of after the driver's retries (up to a minute)."""
        if not self._reached:
            self.driver.verify_connectivity()
            self._reached = True

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        self.driver.verify_connectivity()

    def read(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        limit: int | None = None,
        retry: bool = True,
    ) -> list[dict[str, Any]]:
        """Run one query in a read-only transaction and return its rows as dicts.

        `limit` caps how many rows are pulled from the server (the rest are
        discarded server-side when the result is consumed). With `retry=False`
        the query runs as one auto-commit transaction (still read routed, same
        timeout) and a transient failure (e.g. the server out of query memory)
        is raised at once instead of being retried for up to 30 s, as the API
        wants.
        """
        self._reach()
        params = params or {}
        seconds = timeout or self.settings.query_timeout

        def pull(result: neo4j.Result) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            for record in result:
                if limit is not None and len(rows) >= limit:
                    break
                rows.append(record.data())
            result.consume()
            return rows

        # Managed transactions take their timeout from the unit of work, not a Query object.
        @neo4j.unit_of_work(timeout=seconds)
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return pull(tx.run(cypher, params))

        with self._read_session() as session:
            if retry:
                return session.execute_read(work)
            # One auto-commit transaction: a single round trip, nothing to retry or roll back.
            return pull(session.run(neo4j.Query(cypher, timeout=seconds), params))

    def write(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one query in a write transaction (retried on transient errors)."""
        self._reach()
        records, _, _ = self.driver.execute_query(
            cypher,
            params or {},
            database_=self.database,
            routing_=RoutingControl.WRITE,
        )
        return [r.data() for r in records]

    def write_now(
        self, cypher: str, params: dict[str, Any] | None = None, *, attempts: int = 30
    ) -> list[dict[str, Any]]:
        """Like `write`, but a transaction that fails transiently is retried at once."""
        return self.write_many([(cypher, params or {})], attempts=attempts)[0]

    def write_many(
        self, statements: list[tuple[str, dict[str, Any]]], *, attempts: int = 30
    ) -> list[list[dict[str, Any]]]:
        """Run statements in order in one write transaction; each one's rows.

        A transaction that fails transiently is retried at once. Ingest lanes
        writing side by side deadlock now and then (the server detects it and
        fails one of the transactions); the driver's managed retry first waits
        a second or more, far longer than the batch takes to redo. Here the
        wait is a few milliseconds, growing with each try.
        """
        self._reach()
        for attempt in range(1, attempts + 1):
            try:
                with self.driver.session(database=self.database) as session:
                    with session.begin_transaction() as tx:
                        out = [[r.data() for r in tx.run(c, p)] for c, p in statements]
                        tx.commit()
                        return out
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as e:
                if attempt == attempts or not e.is_retryable():
                    raise
                time.sleep(random.uniform(0, 0.01 * attempt))
        raise AssertionError("unreachable")

    def write_batches(
        self, cypher: str, batches: Iterable[list[dict[str, Any]]], param: str = "rows"
    ) -> Iterator[int]:
        """Run `cypher` once per batch (as `$rows`), each in its own transaction."""
        self._reach()
        with self.driver.session(database=self.database) as session:
            for batch in batches:
                if not batch:
                    continue

                def work(tx: neo4j.ManagedTransaction, b: list[dict[str, Any]] = batch) -> None:
                    tx.run(cypher, {param: b}).consume()

                session.execute_write(work)
                yield len(batch)

    def stream(
        self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Iterator[neo4j.Record]:
        """The rows of one read-only auto-commit query as they arrive, for reads too large to
        hold at once (no timeout unless given: detect's reads take as long as the data). The
        server running out of transaction memory is `ServerMemoryExceeded`, raised at once:
        retrying the same read would fail the same way."""
        self._reach()
        with _memory_errors(), self._read_session() as session:
            yield from session.run(neo4j.Query(cypher, timeout=timeout), params or {})

    def stream_ahead(
        self,
        reads: Iterable[tuple[str, dict[str, Any]]],
        *,
        timeout: float | None = None,
        fetch_size: int | None = None,
    ) -> Iterator[neo4j.Record]:
        """The rows of several read-only queries, in order, with the next query already sent
        on a second session while the current one's rows are consumed. A read that groups
        (every caption range of detect) works through its posts before its first row, so
        sending it early lets the server do that while this process decodes the rows
        before it. `fetch_size` records are decoded at a time (the driver's default, 1000,
        when None): 1 keeps one large record in memory, not a thousand. Errors as in
        `stream`."""
        self._reach()
        with (
            _memory_errors(),
            self._read_session(fetch_size) as one,
            self._read_session(fetch_size) as two,
        ):
            sessions = (one, two)
            current: neo4j.Result | None = None
            for n, (cypher, params) in enumerate(reads):
                # the other session's result is consumed: it can take the next query
                ahead = sessions[n % 2].run(neo4j.Query(cypher, timeout=timeout), params)
                if current is not None:
                    yield from current
                current = ahead
            if current is not None:
                yield from current

    def _read_session(self, fetch_size: int | None = None) -> neo4j.Session:
        # no fetch_size at all for the driver's default (it has no None for it)
        sized: dict[str, Any] = {} if fetch_size is None else {"fetch_size": fetch_size}
        return self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS, **sized
        )

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[neo4j.Session]:
        self._reach()
        mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
        with self.driver.session(database=self.database, default_access_mode=mode) as s:
            yield s

    def counts(self) -> dict[str, int]:
        """Node and relationship totals: the fingerprint idempotence tests compare."""
        rows = self.read(
            "CALL () { MATCH (n) RETURN count(n) AS nodes } "
            "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
            "RETURN nodes, rels"
        )
        return {"nodes": rows[0]["nodes"], "relationships": rows[0]["rels"]}
