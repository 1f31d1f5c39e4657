"""Provenance: an `IngestRun` node per (format, set of input files) and a
`SourceFile` per file, linked by `LOADED` with per-file counts.

The run id is a hash of the format and the files' relative paths and
contents, so loading the same files again (or finishing a killed load)
updates the same node instead of adding one: only its wall-clock times
(`started_at`, `finished_at`) differ between runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from cibgraph.db import Graph
from cibgraph.ingest.images import sha256_file
from cibgraph.model import label, rel_type

# Properties that record when a run happened rather than what it loaded.
WALL_CLOCK_PROPS = frozenset({"started_at", "finished_at"})


def file_digests(files: list[Path]) -> dict[Path, tuple[str, int]]:
    return {f: (sha256_file(f), f.stat().st_size) for f in files}


def run_id(fmt: str, root: Path, digests: dict[Path, tuple[str, int]]) -> str:
    h = hashlib.sha256(fmt.encode("utf-8"))
    for f in sorted(digests, key=lambda p: _rel(p, root)):
        h.update(b"\0" + _rel(f, root).encode("utf-8") + b"\0" + digests[f][0].encode("ascii"))
    return "run:" + h.hexdigest()[:32]


def _rel(f: Path, root: Path) -> str:
    base = root if root.is_dir() else root.parent
    try:
        return f.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return f.resolve().as_posix()


def start_run(graph: Graph, rid: str, fmt: str, path: Path) -> None:
    graph.write(
        f"MERGE (r:{label('IngestRun')} {{id: $id}}) "
        "SET r.format = $format, r.path = $path, r.started_at = $now, r.status = 'running' "
        "REMOVE r.finished_at",
        {"id": rid, "format": fmt, "path": str(path.resolve()), "now": datetime.now(UTC)},
    )


def finish_run(
    graph: Graph,
    rid: str,
    loaded: dict[str, int],
    rejected: int,
    files: dict[Path, dict[str, int]],
    digests: dict[Path, tuple[str, int]],
) -> None:
    rows = [
        {
            "path": str(f.resolve()),
            "sha256": digests[f][0],
            "size": digests[f][1],
            "records": counts.get("records", 0),
            "rejected": counts.get("rejected", 0),
        }
        for f, counts in sorted(files.items(), key=lambda kv: str(kv[0]))
        if f in digests
    ]
    graph.write(
        f"MATCH (r:{label('IngestRun')} {{id: $id}}) "
        "SET r.status = 'complete', r.finished_at = $now, r.loaded = $loaded, "
        "r.rejected = $rejected, r.counts_json = $counts "
        "WITH r UNWIND $files AS f "
        f"MERGE (s:{label('SourceFile')} {{path: f.path}}) "
        "SET s.sha256 = f.sha256, s.size = f.size "
        f"MERGE (r)-[l:{rel_type('LOADED')}]->(s) "
        "SET l.records = f.records, l.rejected = f.rejected",
        {
            "id": rid,
            "now": datetime.now(UTC),
            "loaded": sum(loaded.values()),
            "rejected": rejected,
            "counts": json.dumps({"loaded": loaded, "rejected": rejected}, sort_keys=True),
            "files": rows,
        },
    )
