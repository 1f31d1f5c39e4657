"""The graph the transactional writer would build, as CSV files for `neo4j-admin database import`.

`ImportFiles` takes the reader's chunks (the same parsing and validation as
`cibgraph ingest`, so the same rejects) and works out, without a database,
what the statements in `writer` would leave in an empty one: nodes MERGEd on
their keys with properties SET in input order, links made once, mention
stubs, repost and reply targets, authors' first and last post times, a post's
platform from its author. Posts and their links stream to disk; the nodes
that many posts share (accounts, hashtags, URLs, domains, images) are kept in
memory and written at the end.

What the import cannot express exactly is kept aside (`deferred`) and goes
through the transactional writer once the imported database runs: the kinds
after posts (ads, interactions, follows) and sponsors, which no account or
post touches, and any later record of a post id already written (a post
spread over several rows, or the same post in two files), which MERGE must
fold into the first. In the transactional ingest these come in the same order
relative to what they touch, so the graph is the same.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cibgraph.ingest.records import KINDS
from cibgraph.model import label, rel_type

# Kinds written as CSV; the others are deferred (see the module docstring).
IMPORTED_KINDS = ("accounts", "reference_images", "posts")
# Batches of deferred rows, replayed by the transactional writer in this size.
DEFERRED_BATCH = 2000


class BulkUnsupported(ValueError):
    """Input the import files cannot represent; the transactional ingest can load it."""


class _DT(str):
    """An ISO 8601 timestamp to store as a DateTime (a str subclass, so it formats as one)."""

    __slots__ = ()


_TYPES: dict[type, str] = {
    _DT: "datetime",
    datetime: "datetime",
    str: "string",
    bool: "boolean",
    int: "long",
    float: "double",
}
_BAD_NAME = frozenset(':,"\n\r')
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _type(name: str, t: type) -> str:
    out = _TYPES.get(t)
    if out is None:
        raise BulkUnsupported(f"property {name!r}: {t.__name__} values cannot be imported")
    return out


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if '"' in s else '"' + s + '"'


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, datetime):
        return _q(value.isoformat())
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BulkUnsupported(f"{value!r} cannot be imported as a number")
        return repr(value)
    return str(value)


def _multiline(line: str) -> bool:
    return "\n" in line or "\r" in line


@dataclass
class FileGroup:
    """One `--nodes` or `--relationships` argument: a header file and its data file."""

    kind: str  # "nodes" | "relationships"
    name: str  # label or relationship type
    header: Path
    data: Path
    multiline: bool
    rows: int = 0

    def argument(self) -> str:
        return f"--{self.kind}={self.name}={self.header},{self.data}"


class _Files:
    """Data files opened lazily, one per (header, single/multi-line), appended in order."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.groups: list[FileGroup] = []
        self.buffers: list[_Buffered] = []
        self._open: dict[tuple[str, str, tuple[str, ...], bool], tuple[FileGroup, IO[str]]] = {}

    def write(
        self, kind: str, name: str, header: tuple[str, ...], lines: list[str], multi: bool
    ) -> None:
        key = (kind, name, header, multi)
        got = self._open.get(key)
        if got is None:
            n = len(self.groups)
            stem = f"{n:03d}-{kind}-{name}{'-multiline' if multi else ''}"
            group = FileGroup(
                kind, name, self.out / f"{stem}.header.csv", self.out / f"{stem}.csv", multi
            )
            group.header.write_text(",".join(header) + "\n", encoding="utf-8")
            opened: IO[str] = group.data.open("w", encoding="utf-8", newline="")
            got = self._open[key] = (group, opened)
            self.groups.append(group)
        group, fh = got
        fh.write("".join(lines))
        group.rows += len(lines)

    def close(self) -> None:
        for buf in self.buffers:
            buf.flush()
        for _, fh in self._open.values():
            fh.close()
        self._open.clear()


def _fmt_int(value: int) -> str:
    if not _INT64[0] <= value <= _INT64[1]:
        raise BulkUnsupported(f"{value} does not fit a 64-bit integer")
    return str(value)


def _fmt_bool(value: bool) -> str:
    return "true" if value else "false"


_FORMAT: dict[type, Any] = {
    str: _q,
    _DT: _q,
    bool: _fmt_bool,
    int: _fmt_int,
    float: _fmt,
    datetime: _fmt,
}

_FLUSH_AT = 4096


class _Buffered:
    """Lines for one file group, written in blocks."""

    def __init__(self, files: _Files, kind: str, name: str, header: tuple[str, ...]) -> None:
        self.files, self.kind, self.name, self.header = files, kind, name, header
        self.lines: list[str] = []
        self.multi: list[str] = []
        files.buffers.append(self)

    def flush(self) -> None:
        for lines, multi in ((self.lines, False), (self.multi, True)):
            if lines:
                self.files.write(self.kind, self.name, self.header, lines, multi)
                lines.clear()


class _Nodes:
    """Nodes of one label; a file per set of (property, type), since columns are typed."""

    def __init__(self, files: _Files, lbl: str, key: str) -> None:
        self.files = files
        self.label = label(lbl)
        self.key_col = f"{key}:ID({self.label})"
        self.key = key
        self._sigs: dict[tuple[tuple[str, ...], tuple[type, ...]], tuple[list[Any], _Buffered]] = {}

    def _signature(
        self, names: tuple[str, ...], types: tuple[type, ...]
    ) -> tuple[list[Any], _Buffered]:
        cols = [f"{n}:{_type(n, t)}" for n, t in zip(names, types, strict=True)]
        for n in names:
            if n == self.key or _BAD_NAME & set(n):
                raise BulkUnsupported(
                    f"{self.label} property name {n!r} cannot be an import column"
                )
        header = (self.key_col, *cols)
        got = self._sigs[(names, types)] = (
            [_FORMAT[t] for t in types],
            _Buffered(self.files, "nodes", self.label, header),
        )
        return got

    def add(self, key: str, props: dict[str, Any]) -> None:
        names = tuple(sorted(props))
        values = [props[n] for n in names]
        types = tuple(map(type, values))
        got = self._sigs.get((names, types))
        if got is None:
            got = self._signature(names, types)
        fmts, buf = got
        line = ",".join([_q(key), *(f(v) for f, v in zip(fmts, values, strict=True))])
        if "\n" in line or "\r" in line:
            buf.multi.append(line + "\n")
        else:
            buf.lines.append(line + "\n")
            if len(buf.lines) >= _FLUSH_AT:
                buf.flush()

    def flush(self) -> None:
        for _, buf in self._sigs.values():
            buf.flush()


class _Rels:
    """Relationships of one type, without properties, between two ID spaces."""

    def __init__(self, files: _Files, rel: str, start: str, end: str) -> None:
        self.type = rel_type(rel)
        header = (f":START_ID({label(start)})", f":END_ID({label(end)})")
        self._buf = _Buffered(files, "relationships", self.type, header)

    def add(self, a: str, b: str) -> None:
        line = f'"{a}","{b}"'
        if '"' in a or '"' in b:
            line = f"{_q(a)},{_q(b)}"
        if "\n" in line or "\r" in line:
            self._buf.multi.append(line + "\n")
        else:
            self._buf.lines.append(line + "\n")
            if len(self._buf.lines) >= _FLUSH_AT:
                self._buf.flush()

    def flush(self) -> None:
        self._buf.flush()


@dataclass
class _Account:
    props: dict[str, Any] = field(default_factory=dict)
    real: bool = False
    first: datetime | None = None
    last: datetime | None = None
    images: dict[str, None] = field(default_factory=dict)  # ordered set of keys


class ImportFiles:
    """Chunks in, import files out (see the module docstring). Use as a context manager."""

    def __init__(self, out: Path, spool: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._files = _Files(out)
        self._spool_path = spool
        self._spool: IO[bytes] = spool.open("wb")
        self.deferred = 0  # rows kept aside for the transactional writer
        self._accounts: dict[str, _Account] = {}
        self._handles: dict[tuple[str, str], str] | None = None
        self._images: dict[str, dict[str, Any]] = {}
        self._refimages: dict[str, dict[str, Any]] = {}
        self._depicts: dict[str, dict[str, None]] = {}
        self._tags: set[str] = set()
        self._urls: dict[str, dict[str, Any]] = {}  # url -> {"domain": last, "domains": {...}}
        self._posts: set[int] = set()  # hashes of the ids of posts written
        self._targets: set[str] = set()  # reposted / replied-to post ids
        self._kind_index = -1
        self._post_nodes = _Nodes(self._files, "Post", "id")
        r = self._rels = {
            "POSTED": _Rels(self._files, "POSTED", "Account", "Post"),
            "TAGGED": _Rels(self._files, "TAGGED", "Post", "Hashtag"),
            "LINKS_TO": _Rels(self._files, "LINKS_TO", "Post", "Url"),
            "HAS_MEDIA": _Rels(self._files, "HAS_MEDIA", "Post", "Image"),
            "REPOST_OF": _Rels(self._files, "REPOST_OF", "Post", "Post"),
            "REPLY_TO": _Rels(self._files, "REPLY_TO", "Post", "Post"),
            "MENTIONS": _Rels(self._files, "MENTIONS", "Post", "Account"),
        }
        self._mentions = r["MENTIONS"]

    # --- input -----------------------------------------------------------------

    def add(self, kind: str, rows: list[dict[str, Any]], shared: dict[str, list[Any]]) -> None:
        """One chunk's rows (as the reader packs them) after the loader's own checks."""
        if not rows:
            return
        index = KINDS.index(kind)
        if index < self._kind_index:
            raise BulkUnsupported(
                f"{kind} records come after {KINDS[self._kind_index]} records; "
                "the bulk load needs the kinds in dependency order"
            )
        self._kind_index = index
        if kind == "accounts":
            for row in rows:
                self._account(row)
        elif kind == "reference_images":
            for row in rows:
                self._reference_image(row)
        elif kind == "posts":
            self._post_chunk(rows, shared)
        else:
            self._defer(kind, rows)

    def _defer(self, kind: str, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), DEFERRED_BATCH):
            pickle.dump((kind, rows[i : i + DEFERRED_BATCH]), self._spool, protocol=5)
        self.deferred += len(rows)

    def _image(self, img: dict[str, Any]) -> str:
        self._images.setdefault(img["key"], {}).update(img["props"])
        return str(img["key"])

    def _account(self, row: dict[str, Any]) -> None:
        acc = self._accounts.setdefault(row["id"], _Account())
        acc.props.update(row["props"])
        for k, v in row.get("times", {}).items():
            acc.props[k] = _DT(v)
        acc.real = True
        for img in row.get("images", ()):
            acc.images[self._image(img)] = None

    def _reference_image(self, row: dict[str, Any]) -> None:
        props = self._refimages.setdefault(row["id"], {})
        props.update(row["props"])
        for k, v in row.get("times", {}).items():
            props[k] = _DT(v)
        self._depicts.setdefault(row["id"], {})[self._image(row["image"])] = None

    def _handle_index(self) -> dict[tuple[str, str], str]:
        # POST_REFS: a mention is the real account of the author's platform with
        # that handle, the smallest id when several; every account is in by now.
        if self._handles is None:
            self._handles = {}
            for aid, acc in self._accounts.items():
                p, h = acc.props.get("platform"), acc.props.get("handle_norm")
                if acc.real and p is not None and h is not None:
                    best = self._handles.get((p, h))
                    if best is None or aid < best:
                        self._handles[(p, h)] = aid
        return self._handles

    def _post_chunk(self, rows: list[dict[str, Any]], shared: dict[str, list[Any]]) -> None:
        handles = self._handle_index()
        authors, tags, urls, images = (
            shared.get("authors", []),
            shared.get("tags", []),
            shared.get("urls", []),
            shared.get("images", []),
        )
        refs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for ref in shared.get("refs", ()):
            refs.setdefault((ref["id"], ref["a"]), []).append(ref)
        # As the posts statement does: every hashtag, URL and image the batch
        # lists is merged, in list order, even one only a dropped post used.
        self._tags.update(tags)
        for u in urls:
            node = self._urls.setdefault(u["url"], {"domain": None, "domains": {}})
            for d in u["domains"]:
                node["domain"] = d
                node["domains"][d] = None
        image_keys = [self._image(img) for img in images]
        deferred: list[dict[str, Any]] = []
        rels = self._rels
        fromiso = datetime.fromisoformat
        for row in rows:
            pid, aid = row["id"], authors[row["a"]]
            pending = refs.get((pid, aid))
            ref = pending.pop(0) if pending else {}
            h = hash(pid)
            if h in self._posts:
                deferred.append(_full_post(row, aid, ref, tags, urls, images))
                continue
            self._posts.add(h)
            acc = self._accounts[aid]
            posted = row["posted_at"]
            t = fromiso(posted)
            if acc.first is None or t < acc.first:
                acc.first = t
            if acc.last is None or t > acc.last:
                acc.last = t
            props = dict(row["props"])
            props["posted_at"] = _DT(posted)
            platform = acc.props.get("platform")
            if platform is not None:
                props["platform"] = platform
            self._post_nodes.add(pid, props)
            rels["POSTED"].add(aid, pid)
            for i in row.get("t", ()):
                rels["TAGGED"].add(pid, tags[i])
            seen: set[str] = set()
            for i in row.get("u", ()):
                url = urls[i]["url"]
                if url not in seen:
                    seen.add(url)
                    rels["LINKS_TO"].add(pid, url)
            seen.clear()
            for i in row.get("m", ()):
                key = image_keys[i]
                if key not in seen:
                    seen.add(key)
                    rels["HAS_MEDIA"].add(pid, key)
            for r in ref.get("repost_of", ()):
                self._targets.add(r)
                rels["REPOST_OF"].add(pid, r)
            for r in ref.get("reply_to", ()):
                self._targets.add(r)
                rels["REPLY_TO"].add(pid, r)
            seen.clear()
            for m in ref.get("mentions", ()):
                target = handles.get((platform, m)) if platform is not None else None
                if target is None:
                    target = f"{platform if platform is not None else 'unknown'}:@{m}"
                    if target not in self._accounts:
                        stub = _Account({"handle": m, "handle_norm": m})
                        if platform is not None:
                            stub.props["platform"] = platform
                        self._accounts[target] = stub
                if target not in seen:
                    seen.add(target)
                    self._mentions.add(pid, target)
        if deferred:
            self._defer("posts", deferred)

    # --- output ----------------------------------------------------------------

    def finish(self, run: dict[str, Any]) -> list[FileGroup]:
        """Write the nodes kept in memory and the provenance node; the import's file groups."""
        for r in self._rels.values():
            r.flush()
        files = self._files
        accounts = _Nodes(files, "Account", "id")
        profile = _Rels(files, "HAS_PROFILE_IMAGE", "Account", "Image")
        for aid, acc in self._accounts.items():
            props = dict(acc.props)
            if acc.first is not None and acc.last is not None:
                props["first_post_at"] = _DT(acc.first.isoformat())
                props["last_post_at"] = _DT(acc.last.isoformat())
            if not acc.real:
                props["stub"] = True
            accounts.add(aid, props)
            for key in acc.images:
                profile.add(aid, key)
        profile.flush()
        posts = self._post_nodes
        for target in sorted(self._targets):
            if hash(target) not in self._posts:
                posts.add(target, {"stub": True})
        images = _Nodes(files, "Image", "key")
        for key, props in self._images.items():
            images.add(key, props)
        refimages = _Nodes(files, "ReferenceImage", "id")
        depicts = _Rels(files, "DEPICTS", "ReferenceImage", "Image")
        for rid, props in self._refimages.items():
            refimages.add(rid, props)
            for key in self._depicts[rid]:
                depicts.add(rid, key)
        depicts.flush()
        hashtags = _Nodes(files, "Hashtag", "name")
        for name in sorted(self._tags):
            hashtags.add(name, {})
        url_nodes = _Nodes(files, "Url", "url")
        domain_nodes = _Nodes(files, "Domain", "name")
        on_domain = _Rels(files, "ON_DOMAIN", "Url", "Domain")
        domains: dict[str, None] = {}
        for url, node in self._urls.items():
            url_nodes.add(url, {"domain": node["domain"]} if node["domain"] is not None else {})
            for d in node["domains"]:
                domains[d] = None
                on_domain.add(url, d)
        on_domain.flush()
        for d in domains:
            domain_nodes.add(d, {})
        _Nodes(files, "IngestRun", "id").add(run["id"], {k: v for k, v in run.items() if k != "id"})
        files.close()
        self._spool.close()
        return files.groups

    def deferred_batches(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """The rows kept aside, in input order, as (kind, rows)."""
        self._spool.close()
        with self._spool_path.open("rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)
                except EOFError:
                    return

    def close(self) -> None:
        self._files.close()
        self._spool.close()

    def __enter__(self) -> ImportFiles:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def run_node(rid: str, fmt: str, path: str, started_at: datetime) -> dict[str, Any]:
    """The `IngestRun` node as `runs.start_run` leaves it: the run is finished after the import."""
    return {
        "id": rid,
        "format": fmt,
        "path": path,
        "started_at": _DT(started_at.isoformat()),
        "status": "running",
    }


def _full_post(
    row: dict[str, Any],
    aid: str,
    ref: dict[str, Any],
    tags: list[str],
    urls: list[dict[str, Any]],
    images: list[dict[str, Any]],
) -> dict[str, Any]:
    """A packed post row back in the validator's shape, for `writer.write_rows`."""
    props = dict(row["props"])
    props["posted_at"] = datetime.fromisoformat(row["posted_at"])
    return {
        "id": row["id"],
        "account_id": aid,
        "props": props,
        "hashtags": [tags[i] for i in row.get("t", ())],
        "mentions": list(ref.get("mentions", ())),
        "urls": [urls[i] for i in row.get("u", ())],
        "media": [images[i] for i in row.get("m", ())],
        "repost_of": list(ref.get("repost_of", ())),
        "reply_to": list(ref.get("reply_to", ())),
    }
