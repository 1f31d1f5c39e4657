"""The reading half of a load: sources → validated rows, in chunks, off the writer's back.

`read_chunks` is pure Python and needs no database: it parses, validates and
turns records into the rows the writer sends, and collects what went wrong on
the way (rejects, warnings). `chunks` runs it in a child process on Linux
(forked), so parsing never competes with the writer for the GIL: a
writer that waits for the GIL leaves the server idle (see docs/ingest.md).
Elsewhere it runs in a thread.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import sys
import threading
import traceback
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cibgraph.ingest import records as rec
from cibgraph.ingest import writer
from cibgraph.ingest.sources import ParseError, Source

ReaderMode = Literal["auto", "process", "thread"]
# Chunks in flight between reader and writer: enough to never starve the
# writer, few enough to keep memory flat.
QUEUE_DEPTH = 4
_POLL_SECONDS = 1.0


@dataclass
class Reject:
    file: str
    line: int
    field: str
    reason: str
    raw: str = ""

    def __iter__(self) -> Iterator[Any]:
        # Unpacks as (file, line, field, reason).
        return iter((self.file, self.line, self.field, self.reason))


@dataclass
class UnknownAuthor:
    """A post whose author is not in this dataset: the writer looks it up in the graph."""

    index: int  # in the chunk's rows
    file: str
    line: int
    raw: str
    account_id: str


@dataclass
class Chunk:
    """One batch of rows of one kind, ready to send, with what the reader saw on the way."""

    kind: str = ""
    label: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # rows per file
    opened: list[str] = field(default_factory=list)  # files started in this chunk
    unknown_authors: list[UnknownAuthor] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: int = 0  # lines read, good or bad (for the progress bar)
    shared: dict[str, list[Any]] = field(default_factory=dict)  # see writer.BatchPacker
    lane: int = 0  # see read_chunks


def read_chunks(srcs: list[Source], batch_size: int, lanes: int = 1) -> Iterator[Chunk]:
    """Parse and validate every source in order; a chunk is yielded when full.

    A chunk may span several files of the same kind (per-author CSVs hold a
    few hundred rows each) and never mixes kinds, so the writer, taking chunks
    in order, has every account in before the posts that need it.

    With `lanes` > 1, accounts and posts are dealt into that many lanes by
    account (a post by its author), each filling its own chunks: the writer
    runs the lanes side by side, and two lanes never update the same account.
    Rejects, warnings and the line count ride in lane 0.
    """
    # Hashes of the account ids in this dataset: 8 bytes per account, not per post.
    known_accounts: set[int] = set()
    open_ = [Chunk(lane=i) for i in range(lanes)]
    packers = [writer.BatchPacker("") for _ in range(lanes)]

    def full(i: int) -> Chunk:
        c = open_[i]
        c.shared = packers[i].shared()
        open_[i] = Chunk(kind=c.kind, label=c.label, lane=i)
        packers[i] = writer.BatchPacker(c.kind)
        return c

    for src in srcs:
        for i, c in enumerate(open_):
            if c.kind != src.kind:
                # A chunk that holds only rejects and counts goes on with the next kind.
                if c.rows:
                    yield full(i)
                open_[i].kind = src.kind
                packers[i] = writer.BatchPacker(src.kind)
            open_[i].label = f"{src.kind}: {src.file.name}"
        file = str(src.file)
        open_[0].opened.append(file)
        seen: set[int] = set()
        by_account = lanes > 1 and src.kind in ("accounts", "posts")
        for line, raw, obj in src.items():
            open_[0].items += 1
            record = _record(src, file, line, raw, obj, seen, open_[0])
            lane = 0
            if record is not None:
                unknown_ref: str | None = None
                ref: str | None
                if src.kind == "accounts" and record.key is not None:
                    known_accounts.add(hash(record.key))
                    ref = record.key
                else:
                    ref = record.account_ref
                    if ref is not None and hash(ref) not in known_accounts:
                        unknown_ref = ref
                if by_account and ref is not None:
                    lane = zlib.crc32(ref.encode("utf-8")) % lanes
                chunk = open_[lane]
                if unknown_ref is not None:
                    unknown = UnknownAuthor(len(chunk.rows), file, line, raw, unknown_ref)
                    chunk.unknown_authors.append(unknown)
                chunk.rows.append(packers[lane].pack(record.row))
                chunk.files[file] = chunk.files.get(file, 0) + 1
            # Rejects count too, so a file of nothing but bad lines stays bounded.
            if len(open_[lane].rows) + len(open_[lane].rejects) >= batch_size:
                yield full(lane)
            if lane and len(open_[0].rejects) >= batch_size:
                yield full(0)
    # Lane 0 always ends with a chunk (it carries the counts); the others when they hold rows.
    for i in range(lanes):
        if i == 0 or open_[i].rows:
            yield full(i)


def _record(
    src: Source, file: str, line: int, raw: str, obj: Any, seen: set[int], chunk: Chunk
) -> rec.Record | None:
    if isinstance(obj, ParseError):
        chunk.rejects.append(Reject(file, line, obj.field, obj.reason, raw))
        return None
    try:
        record = rec.validate(src.kind, obj, src.base_dir, trusted=src.trusted)
    except rec.RecordError as e:
        chunk.rejects.append(Reject(file, line, e.field, e.reason, raw))
        return None
    if src.unique_ids and record.key is not None:
        h = hash(record.key)
        if h in seen:
            reason = f"duplicate id {record.key!r} in this file"
            chunk.rejects.append(Reject(file, line, "id", reason, raw))
            return None
        seen.add(h)
    chunk.warnings.extend(f"{file}:{line}: {w}" for w in record.warnings)
    return record


# --- running the reader beside the writer --------------------------------------


class ReaderError(RuntimeError):
    """The reader process stopped without finishing or reporting an error."""


@dataclass
class _Failure:
    error: BaseException


def _picklable(e: BaseException) -> BaseException:
    """The exception itself when it survives a trip through pickle, else a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(e))
        out = e
    except Exception:  # noqa: BLE001 - any pickling problem
        out = RuntimeError(f"{type(e).__name__}: {e}")
    out.add_note("in the ingest reader:\n" + "".join(traceback.format_exception(e)).rstrip())
    return out


def resolve_mode(mode: ReaderMode) -> Literal["process", "thread"]:
    if mode == "auto":
        # fork is safe on Linux; on macOS it is available but not safe with
        # every library, and Windows has none.
        return "process" if sys.platform.startswith("linux") else "thread"
    return mode


class ChunkStream(Protocol):
    """Chunks as they arrive; `close()` stops the reader (call it if you stop early)."""

    def __iter__(self) -> Iterator[Chunk]: ...

    def close(self) -> None: ...


def chunks(
    srcs: list[Source], batch_size: int, mode: ReaderMode = "auto", lanes: int = 1
) -> ChunkStream:
    """`read_chunks` running ahead of the caller, in a child process or a thread.

    The process starts at once, before the caller starts any thread of its own.
    """
    if resolve_mode(mode) == "process":
        return _InProcess(srcs, batch_size, lanes)
    return _in_thread(srcs, batch_size, lanes)


class _InProcess:
    """The reader in a forked child, started at once (before the caller starts threads)."""

    def __init__(self, srcs: list[Source], batch_size: int, lanes: int = 1) -> None:
        # fork: the child inherits the sources (closures over open adapters) as
        # they are, with nothing to pickle but the chunks it sends back.
        ctx = multiprocessing.get_context("fork")
        self._q: Any = ctx.Queue(maxsize=QUEUE_DEPTH)
        self._proc = ctx.Process(
            target=_child,
            args=(self._q, srcs, batch_size, lanes, os.getpid()),
            name="cibgraph-ingest-reader",
            daemon=True,
        )
        self._local: queue.Queue[Chunk | _Failure | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._proc.start()
        self._receiver = threading.Thread(
            target=self._receive, name="cibgraph-ingest-receiver", daemon=True
        )
        self._receiver.start()

    def _receive(self) -> None:
        # Unpickling a chunk takes milliseconds; done here, it overlaps with
        # the writer waiting on the server instead of delaying the next batch.
        while not self._stop.is_set():
            try:
                msg = self._q.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not self._proc.is_alive():
                    code = self._proc.exitcode
                    why = f"the ingest reader stopped unexpectedly (exit code {code})"
                    _put(self._local, _Failure(ReaderError(why)), self._stop)
                    return
                continue
            except BaseException as e:  # noqa: BLE001 - handed to the writer
                _put(self._local, _Failure(e), self._stop)
                return
            if not _put(self._local, msg, self._stop) or msg is None or isinstance(msg, _Failure):
                return

    def __iter__(self) -> Iterator[Chunk]:
        try:
            yield from _drain(self._local)
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        self._receiver.join(10)
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(10)
        self._q.close()
        self._q.cancel_join_thread()


def _put(
    q: queue.Queue[Chunk | _Failure | None], msg: Chunk | _Failure | None, stop: threading.Event
) -> bool:
    """Put unless told to stop (the writer gave up); True when the message was put."""
    while not stop.is_set():
        try:
            q.put(msg, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _drain(q: queue.Queue[Chunk | _Failure | None]) -> Iterator[Chunk]:
    while (msg := q.get()) is not None:
        if isinstance(msg, _Failure):
            raise msg.error
        yield msg


def _child(q: Any, srcs: list[Source], batch_size: int, lanes: int, parent: int) -> None:
    def put(msg: object) -> None:
        while True:
            try:
                q.put(msg, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                # The writer was killed (kill -9 leaves no chance to stop us).
                if os.getppid() != parent:
                    os._exit(1)

    try:
        for chunk in read_chunks(srcs, batch_size, lanes):
            put(chunk)
        put(None)
    except BaseException as e:  # noqa: BLE001 - handed to the writer, which raises it
        put(_Failure(_picklable(e)))
    q.close()
    q.join_thread()


def _in_thread(srcs: list[Source], batch_size: int, lanes: int = 1) -> Generator[Chunk, None, None]:
    q: queue.Queue[Chunk | _Failure | None] = queue.Queue(maxsize=QUEUE_DEPTH)
    stop = threading.Event()

    def run() -> None:
        try:
            for chunk in read_chunks(srcs, batch_size, lanes):
                if not _put(q, chunk, stop):
                    return
            _put(q, None, stop)
        except BaseException as e:  # noqa: BLE001 - handed to the writer, which raises it
            _put(q, _Failure(e), stop)

    thread = threading.Thread(target=run, name="cibgraph-ingest-reader", daemon=True)
    thread.start()
    try:
        yield from _drain(q)
    finally:
        stop.set()
        thread.join(10)
