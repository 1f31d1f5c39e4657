"""`cibgraph ingest PATH --bulk`: a new database built by `neo4j-admin database import full`.

Only for the local server that `cibgraph neo4j` manages: the import writes
store files on the server's own disk while the database is offline. The steps:

1. Read and validate the input exactly as the transactional ingest does (the
   same reader, so the same rejects) and write import CSVs (`bulk_csv`).
   Nothing on the server changes while this runs.
2. Import into a staging folder beside the server's data folder
   (`<server home>/bulk/staging`), never into the live database, which the
   server goes on serving meanwhile.
3. Only when the import has succeeded: stop the server, move the live
   database aside (`bulk/previous`), move the staged one in, start it, create the
   constraints and indexes, write what the import could not express through
   the transactional writer, and mark the ingest run complete.
4. Any failure in step 3 stops the server, puts the previous database back
   and starts it again; the failed one is kept in `bulk/failed` to look at.
   Until the run is marked complete its `IngestRun` node says
   `status: 'running'`, so a load killed between 3 and its end never looks
   finished; `recovery_hint()` tells how to go back by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cibgraph.ingest import loader, reader, runs, sources_for, writer
from cibgraph.ingest.bulk_csv import FileGroup, ImportFiles, run_node
from cibgraph.ingest.loader import IngestReport
from cibgraph.ingest.reader import ReaderMode
from cibgraph.model import ensure_schema
from cibgraph.neo4j_local import server
from cibgraph.settings import Settings

# Off-heap memory the import tool may take (its own default is 90 % of the machine).
DEFAULT_IMPORT_MEMORY = "2g"
IMPORT_HEAP = "1g"
_DATABASE = "neo4j"


class BulkRefused(ValueError):
    """The configured server is not one this command may stop and rewrite."""


class BulkError(RuntimeError):
    """The bulk load failed; the message says what state the database is in."""


Echo = Callable[[str], object]


@dataclass
class _Dirs:
    """Where the bulk load works, under the managed server's home."""

    layout: server.Layout

    @property
    def root(self) -> Path:
        return self.layout.home / "bulk"

    @property
    def csv(self) -> Path:
        return self.root / "csv"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def previous(self) -> Path:
        return self.root / "previous"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    def store(self, data: Path) -> tuple[Path, Path]:
        """A database's two folders under a data folder: store files and transaction logs."""
        return data / "databases" / _DATABASE, data / "transactions" / _DATABASE


def check_managed(settings: Settings) -> None:
    """Refuse (BulkRefused) unless NEO4J_URI is the local server `cibgraph neo4j` runs."""
    uri = settings.neo4j_uri
    instead = (
        "Load it with the transactional ingest instead (`cibgraph ingest PATH` without "
        "--bulk), which works against any server; or, on that server's own machine, "
        "build the database there with `neo4j-admin database import full`."
    )
    if not settings.uses_local_server:
        raise BulkRefused(
            f"--bulk rewrites the database files of a server that cibgraph runs itself "
            f"(`cibgraph neo4j start`), offline; NEO4J_URI={uri} is another server "
            f"(a remote host, Aura or a cluster), whose files it cannot reach. {instead}"
        )
    scheme = uri.split("://", 1)[0] if "://" in uri else "bolt"
    port_text = uri.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)
    port = int(port_text[1]) if len(port_text) == 2 and port_text[1].isdigit() else 7687
    if scheme not in ("bolt", "neo4j") or port != settings.bolt_port:
        raise BulkRefused(
            f"NEO4J_URI={uri} is not the local server cibgraph manages "
            f"(bolt://127.0.0.1:{settings.bolt_port}, from CIBGRAPH_BOLT_PORT). {instead}"
        )
    if settings.neo4j_database != _DATABASE:
        raise BulkRefused(
            f"NEO4J_DATABASE={settings.neo4j_database}: the local Community server has one "
            f"database, {_DATABASE!r}, and --bulk replaces it."
        )
    layout = server.Layout(settings.server_home)
    if server.running_pid(layout) is None and server._port_open(settings.bolt_port):
        raise BulkRefused(
            f"Port {settings.bolt_port} is served by a Neo4j that `cibgraph neo4j` did not "
            f"start (no server of {layout.home} is running); --bulk will not stop a server "
            f"it does not manage. {instead}"
        )


def recovery_hint(settings: Settings) -> str:
    """How to put the previous database back by hand after a bulk load was killed."""
    d = _Dirs(server.Layout(settings.server_home))
    live, live_tx = d.store(d.layout.data)
    prev, prev_tx = d.store(d.previous)
    return (
        "To go back to the database as it was before the bulk load: `cibgraph neo4j stop`, "
        f"then replace {live} with {prev} and {live_tx} with {prev_tx}, "
        "then `cibgraph neo4j start`."
    )


class _EmptyGraph:
    """The graph a bulk load starts from, for the loader's author check: nothing in it."""

    def read(self, *_: Any) -> list[dict[str, Any]]:
        return []


def bulk_load(
    settings: Settings,
    path: Path,
    fmt: str = "canonical",
    *,
    tolerate_rejects: bool = False,
    rejects_path: Path | None = None,
    progress: bool = True,
    batch_size: int = loader.DEFAULT_BATCH_SIZE,
    reader_mode: ReaderMode = "auto",
    import_memory: str = DEFAULT_IMPORT_MEMORY,
    keep_files: bool = False,
    echo: Echo = print,
) -> IngestReport:
    """Replace the local server's database with `path` loaded in format `fmt`.

    The report is what `load_dataset` would return for the same input into an
    empty database. Raises BulkRefused before anything is read when the server
    is not the managed local one, BulkUnsupported (nothing changed) for input
    the import files cannot hold, and BulkError if the import or what follows
    it fails (the message says what state the database is in).
    """
    check_managed(settings)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    srcs = sources_for(path, fmt)
    if not srcs:
        raise ValueError(f"{path}: no {fmt} input files found")
    t0 = time.perf_counter()
    started_at = datetime.now(UTC)
    layout = server.install(settings)
    dirs = _Dirs(layout)
    for d in (dirs.csv, dirs.staging):
        shutil.rmtree(d, ignore_errors=True)
    dirs.root.mkdir(parents=True, exist_ok=True)
    if dirs.previous.exists():
        raise BulkError(
            f"{dirs.previous} holds the database from before an earlier bulk load that "
            "did not finish. Check which one you want (the live one may be incomplete: "
            "see its IngestRun status), remove or restore it, then run again. "
            + recovery_hint(settings)
        )

    report, digests = loader.new_report(srcs, fmt, path, tolerate_rejects, rejects_path)
    rid = report.run_id
    try:
        with ImportFiles(dirs.csv, dirs.root / "deferred.pickle") as out:
            per_file = _read_into(
                out, srcs, report, rejects_path, progress, batch_size, reader_mode
            )
            groups = out.finish(run_node(rid, fmt, str(path.resolve()), started_at))
            echo(
                f"Import files written in {time.perf_counter() - t0:.1f} s "
                f"({sum(g.rows for g in groups):,} rows; {out.deferred:,} records to write "
                "after the import)."
            )
            # The import goes to a staging folder, so the server keeps serving the
            # previous database meanwhile; it stops only for the swap.
            _import(settings, layout, dirs, groups, import_memory, echo)
            was_running = server.running_pid(layout) is not None
            if was_running:
                server.stop(settings, echo=echo)
            _swap_in(settings, dirs, echo)
            try:
                _finish(settings, out, report, per_file, digests, echo)
            except BaseException as e:
                _roll_back(settings, dirs, was_running, e, echo)
                raise  # _roll_back raises; for the type checker
            shutil.rmtree(dirs.previous, ignore_errors=True)
    finally:
        if not keep_files:
            shutil.rmtree(dirs.csv, ignore_errors=True)
            shutil.rmtree(dirs.staging, ignore_errors=True)
            (dirs.root / "deferred.pickle").unlink(missing_ok=True)
    report.seconds = time.perf_counter() - t0
    return report


def _read_into(
    out: ImportFiles,
    srcs: list[Any],
    report: IngestReport,
    rejects_path: Path | None,
    progress: bool,
    batch_size: int,
    reader_mode: ReaderMode,
) -> dict[Path, dict[str, int]]:
    """The loader's reading loop (same rejects, counts and warnings), into import files."""
    tally = loader.Tally(report, rejects_path)
    rejects_out, per_file = tally.rejects_out, tally.per_file
    file_counts, reject = tally.file_counts, tally.reject
    in_graph: dict[str, bool] = {}

    bar = loader.Progress(
        loader.TextColumn("[bold]{task.description}"),
        loader.BarColumn(bar_width=None),
        loader._RateColumn(),
        loader.TimeElapsedColumn(),
        disable=not progress,
        transient=False,
    )
    incoming = reader.chunks(srcs, batch_size, reader_mode, lanes=1)
    try:
        with bar:
            task = bar.add_task("read", total=None)
            for chunk in incoming:
                for f in chunk.opened:
                    file_counts(f)
                bar.update(task, description=chunk.label)
                for r in chunk.rejects:
                    reject(r)
                for w in chunk.warnings:
                    report.warnings += 1
                    if len(report.warning_samples) < loader.MAX_WARNING_SAMPLES:
                        report.warning_samples.append(w)
                    loader.log.warning("%s", w)
                # The new database starts empty: an author not in the input is nowhere.
                rows = loader._drop_unknown_authors(_EmptyGraph(), chunk, in_graph, reject)
                out.add(chunk.kind, rows, chunk.shared)
                if rows:
                    report.loaded[chunk.kind] = report.loaded.get(chunk.kind, 0) + len(rows)
                for f, n in chunk.files.items():
                    file_counts(f)["records"] += n
                bar.update(task, advance=chunk.items)
    finally:
        incoming.close()
        rejects_out.close()
    report.files = {str(f): c for f, c in per_file.items()}
    return per_file


def _staging_config(settings: Settings, layout: server.Layout, dirs: _Dirs) -> Path:
    """The server's own configuration with its data and logs in the staging folder."""
    conf = dirs.staging / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    text = server.render_config(settings, layout)
    text = re.sub(
        r"^server\.directories\.data=.*$",
        f"server.directories.data={dirs.staging / 'data'}",
        text,
        flags=re.M,
    )
    text = re.sub(
        r"^server\.directories\.logs=.*$",
        f"server.directories.logs={dirs.staging / 'logs'}",
        text,
        flags=re.M,
    )
    (conf / "neo4j.conf").write_text(text)
    return conf


def import_command(
    settings: Settings,
    layout: server.Layout,
    groups: list[FileGroup],
    report_file: Path,
    import_memory: str,
) -> list[str]:
    """The `neo4j-admin database import full` command line for these files."""
    multi = [str(g.data) for g in groups if g.multiline]
    cmd = [
        shutil.which(settings.java) or settings.java,
        f"-Xmx{IMPORT_HEAP}",
        "-cp",
        f"{layout.lib}/*",
        server.ADMIN_TOOL,
        "database",
        "import",
        "full",
        _DATABASE,
        *(g.argument() for g in groups),
        "--overwrite-destination=true",
        # Fault-free input by construction: any bad entry is a bug, and fails the import.
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        f"--max-off-heap-memory={import_memory}",
        f"--report-file={report_file}",
    ]
    if multi:
        cmd += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multi)}"]
    return cmd


# Progress lines worth showing from the import tool's output.
_SHOW = re.compile(r"(\d+%|IMPORT|Import starting|Imported:|Peak memory|Done|ERROR|Error)")


def run_import(cmd: list[str], env: dict[str, str], echo: Echo) -> tuple[int, str]:
    """Run the import tool, echoing its progress; (exit code, its whole output)."""
    lines: list[str] = []
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        text = line.rstrip()
        if text and _SHOW.search(text):
            echo(f"  import: {text.strip()}")
    return proc.wait(), "".join(lines)


def _import(
    settings: Settings,
    layout: server.Layout,
    dirs: _Dirs,
    groups: list[FileGroup],
    import_memory: str,
    echo: Echo,
) -> None:
    conf = _staging_config(settings, layout, dirs)
    cmd = import_command(settings, layout, groups, dirs.staging / "import.report", import_memory)
    env = dict(os.environ, NEO4J_HOME=str(layout.home), NEO4J_CONF=str(conf))
    echo(f"Importing into {dirs.staging} (neo4j-admin database import full) ...")
    t = time.perf_counter()
    code, output = run_import(cmd, env, echo)
    store, tx = dirs.store(dirs.staging / "data")
    if code != 0 or not store.is_dir():
        tail = "\n".join(output.splitlines()[-25:])
        raise BulkError(
            f"neo4j-admin import failed (exit code {code}); the database is unchanged "
            f"(the import went to {dirs.staging}, never to the live one, and the server "
            f"was not stopped).\n{tail}"
        )
    echo(f"Imported in {time.perf_counter() - t:.1f} s.")


def _swap_in(settings: Settings, dirs: _Dirs, echo: Echo) -> None:
    """Move the live database aside and the staged one in (renames within one home)."""
    live = dirs.store(dirs.layout.data)
    prev = dirs.store(dirs.previous)
    staged = dirs.store(dirs.staging / "data")
    for src, dst in zip(live, prev, strict=True):
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    for src, dst in zip(staged, live, strict=True):
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.exists():
            os.replace(src, dst)
    echo("Imported database in place; starting Neo4j ...")


def _finish(
    settings: Settings,
    out: ImportFiles,
    report: IngestReport,
    per_file: dict[Path, dict[str, int]],
    digests: dict[Path, tuple[str, int]],
    echo: Echo,
) -> None:
    from cibgraph.db import Graph

    server.start(settings, echo=echo)
    with Graph(settings) as graph:
        echo("Creating constraints and indexes ...")
        ensure_schema(graph)
        if out.deferred:
            echo(f"Writing {out.deferred:,} records through the transactional writer ...")
        for kind, rows in out.deferred_batches():
            if kind == "posts":
                writer.write_rows(graph, kind, rows)
            else:
                writer.write_packed(graph, kind, rows, {})
        runs.finish_run(graph, report.run_id, report.loaded, report.rejected, per_file, digests)


def _roll_back(
    settings: Settings, dirs: _Dirs, was_running: bool, error: BaseException, echo: Echo
) -> None:
    """After a failure past the swap: the previous database back, the new one kept aside."""
    echo(f"Bulk load failed after the import ({error}); putting the previous database back ...")
    try:
        server.stop(settings, echo=echo)
        shutil.rmtree(dirs.failed, ignore_errors=True)
        live = dirs.store(dirs.layout.data)
        for src, dst in zip(live, dirs.store(dirs.failed), strict=True):
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        for src, dst in zip(dirs.store(dirs.previous), live, strict=True):
            if src.exists():
                os.replace(src, dst)
        shutil.rmtree(dirs.previous, ignore_errors=True)
        if was_running:
            server.start(settings, echo=echo)
    except BaseException as e:
        raise BulkError(
            f"The bulk load failed after the import ({error}), and putting the previous "
            f"database back failed too ({e}). The live database may be the new, "
            f"incomplete one (its IngestRun has status 'running'). {recovery_hint(settings)}"
        ) from error
    raise BulkError(
        f"The bulk load failed after the import ({error}). The previous database is back "
        f"in place{' and running' if was_running else ''}; the new one is kept in "
        f"{dirs.failed} for inspection."
    ) from error
