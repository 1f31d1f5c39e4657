"""Install, start, stop and inspect the local Neo4j server.

The server is Neo4j's own `CommunityEntryPoint` run on Java 17 from the jars
that Maven resolves for `org.neo4j:neo4j` (plus Neo4j Browser and APOC core),
laid out under `CIBGRAPH_HOME/neo4j` like a tarball install:

    lib/  plugins/  conf/neo4j.conf  data/  logs/  run/neo4j.pid
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psutil

from cibgraph.settings import Settings

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

# The JVM flags Neo4j's shipped neo4j.conf passes (server.jvm.additional),
# minus AlwaysPreTouch, which makes a large heap slow to start on small machines.
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]

_SIZE = re.compile(r"^\d+[kmgKMG]?$")


class ServerError(RuntimeError):
    """The local server could not be installed, started or stopped."""


@dataclass
class Layout:
    home: Path

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def plugins(self) -> Path:
        return self.home / "plugins"

    @property
    def conf(self) -> Path:
        return self.home / "conf"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def pid_file(self) -> Path:
        return self.run / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"

    @property
    def install_marker(self) -> Path:
        return self.lib / ".cibgraph-installed"


def _pom_text(name: str) -> str:
    return resources.files("cibgraph.neo4j_local").joinpath(name).read_text()


def pom_versions() -> dict[str, str]:
    """The versions pinned in the bundled poms (neo4j, browser, apoc)."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    out = {}
    for pom, keys in (("pom.xml", ("neo4j", "browser")), ("apoc-pom.xml", ("apoc",))):
        props = ET.fromstring(_pom_text(pom)).find("m:properties", ns)
        assert props is not None
        for key in keys:
            el = props.find(f"m:{key}.version", ns)
            assert el is not None and el.text
            out[key] = el.text
    return out


def _artifact_base(jar: Path) -> str:
    return re.sub(r"-\d[\w.\-]*\.jar$", "", jar.name)


def _mvn(args: list[str], cwd: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError("Maven (mvn) is not on PATH; install Maven to fetch Neo4j.")
    proc = subprocess.run([mvn, "-B", "-q", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise ServerError(f"mvn {' '.join(args[:1])} failed:\n{tail}")


def install(settings: Settings, *, force: bool = False) -> Layout:
    """Resolve the server's jars with Maven and lay them out (idempotent)."""
    layout = Layout(settings.server_home)
    versions = pom_versions()
    marker = (
        f"layout=2 neo4j={versions['neo4j']} browser={versions['browser']} apoc={versions['apoc']}"
    )
    if (
        not force
        and layout.install_marker.exists()
        and layout.install_marker.read_text().strip() == marker
    ):
        return layout
    for d in (layout.lib, layout.plugins):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for pom, target in (("pom.xml", layout.lib), ("apoc-pom.xml", layout.plugins)):
            work = Path(tmp) / pom.removesuffix(".xml")
            work.mkdir()
            (work / "pom.xml").write_text(_pom_text(pom))
            copy = ["dependency:copy-dependencies", "-DincludeScope=runtime"]
            try:
                _mvn([*copy, f"-DoutputDirectory={target}"], work)
            except ServerError:
                if pom == "pom.xml":
                    raise
                # APOC is optional: the server and every cibgraph query run without it.
                shutil.rmtree(layout.plugins)
                layout.plugins.mkdir()
    # Two versions of one library on the classpath break class loading.
    shipped = {_artifact_base(j) for j in layout.lib.glob("*.jar")}
    for jar in layout.plugins.glob("*.jar"):
        if _artifact_base(jar) in shipped:
            jar.unlink()
    if not any(layout.lib.glob("neo4j-[0-9]*.jar")):
        raise ServerError(f"Maven ran but no neo4j jar landed in {layout.lib}")
    layout.install_marker.write_text(marker + "\n")
    return layout


def render_config(settings: Settings, layout: Layout) -> str:
    for name, value in (("heap", settings.heap_size), ("page cache", settings.pagecache_size)):
        if not _SIZE.match(value):
            raise ServerError(f"{name} size {value!r} is not like 512m or 2g")
    lines = {
        "server.directories.data": layout.data,
        "server.directories.logs": layout.logs,
        "server.directories.plugins": layout.plugins,
        "server.directories.run": layout.run,
        "server.directories.import": layout.home / "import",
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": f"127.0.0.1:{settings.bolt_port}",
        "server.bolt.advertised_address": f"127.0.0.1:{settings.bolt_port}",
        "server.http.enabled": "true",
        "server.http.listen_address": f"127.0.0.1:{settings.http_port}",
        "server.http.advertised_address": f"127.0.0.1:{settings.http_port}",
        "server.https.enabled": "false",
        "server.memory.pagecache.size": settings.pagecache_size,
        "dbms.security.auth_enabled": "true",
        "dbms.usage_report.enabled": "false",
        "dbms.security.procedures.unrestricted": "apoc.*",
        "dbms.security.procedures.allowlist": "apoc.*,db.*,dbms.*,tx.*",
        "db.transaction.timeout": "0",
    }
    out = ["# Written by `cibgraph neo4j start` from the settings; edits are overwritten."]
    out += [f"{k}={v}" for k, v in lines.items() if v != ""]
    return "\n".join(out) + "\n"


def _java(settings: Settings) -> str:
    java = shutil.which(settings.java)
    if java is None:
        raise ServerError(f"Java not found ({settings.java!r}); install Java 17.")
    return java


def _admin(settings: Settings, layout: Layout, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NEO4J_HOME=str(layout.home), NEO4J_CONF=str(layout.conf))
    return subprocess.run(
        [_java(settings), "-cp", f"{layout.lib}/*", ADMIN_TOOL, *args],
        env=env,
        capture_output=True,
        text=True,
    )


def running_pid(layout: Layout) -> int | None:
    """The pid of this home's server if it is alive, else None (and a stale pid file goes)."""
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = None
    if pid is not None:
        try:
            proc = psutil.Process(pid)
            cmd = " ".join(proc.cmdline())
            if ENTRY_POINT in cmd and str(layout.home) in cmd and proc.status() != "zombie":
                return pid
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        layout.pid_file.unlink(missing_ok=True)
    # A server of this home started some other way (or whose pid file was lost).
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info.get("cmdline") or [])
        if ENTRY_POINT in cmd and f"--home-dir={layout.home}" in cmd:
            return int(proc.info["pid"])
    return None


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def log_tail(layout: Layout, lines: int = 40) -> str:
    chunks = []
    for f in (layout.logs / "neo4j.log", layout.console_log, layout.logs / "debug.log"):
        if f.exists():
            text = f.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {f} ---\n" + "\n".join(text))
            break
    return "\n".join(chunks) or "(no log yet)"


def _bolt_ready(settings: Settings, password: str) -> str | None:
    """None when Bolt answers with our credentials, else the reason it did not."""
    from neo4j.exceptions import AuthError, ServiceUnavailable

    from cibgraph.db import probe

    try:
        probe(f"bolt://127.0.0.1:{settings.bolt_port}", settings.neo4j_user, password)
        return None
    except AuthError as e:
        raise ServerError(
            "The server refused the configured credentials. It keeps the password "
            "set at its first start; set NEO4J_PASSWORD to that one, or remove "
            f"{settings.server_home / 'data'} to start afresh. ({e.message})"
        ) from e
    except (ServiceUnavailable, OSError) as e:
        return str(e)


def start(settings: Settings, *, echo: Callable[[str], object] = print) -> int:
    """Start the server unless it runs already; wait until Bolt answers. Returns the pid."""
    password = settings.password()  # fail before anything else happens
    layout = Layout(settings.server_home)
    pid = running_pid(layout)
    if pid is not None:
        echo(f"Neo4j is already running (pid {pid}).")
        _describe(settings, echo)
        return pid
    for port in (settings.bolt_port, settings.http_port):
        if _port_open(port):
            raise ServerError(
                f"Port {port} is in use by another process; set CIBGRAPH_BOLT_PORT / "
                "CIBGRAPH_HTTP_PORT, or point NEO4J_URI at that server."
            )
    echo(f"Installing Neo4j into {layout.home} (Maven) if needed ...")
    install(settings)
    for d in (layout.conf, layout.data, layout.logs, layout.run, layout.home / "import"):
        d.mkdir(parents=True, exist_ok=True)
    (layout.conf / "neo4j.conf").write_text(render_config(settings, layout))
    if not (layout.data / "dbms").exists():
        admin = _admin(settings, layout, "dbms", "set-initial-password", password)
        if admin.returncode != 0:
            raise ServerError(f"Setting the initial password failed:\n{admin.stdout}{admin.stderr}")
    cmd = [
        _java(settings),
        f"-Xms{settings.heap_size}",
        f"-Xmx{settings.heap_size}",
        *JVM_FLAGS,
        "-cp",
        f"{layout.plugins}/*:{layout.conf}/*:{layout.lib}/*",
        ENTRY_POINT,
        f"--home-dir={layout.home}",
        f"--config-dir={layout.conf}",
        "--console-mode",
    ]
    env = dict(os.environ, NEO4J_HOME=str(layout.home), NEO4J_CONF=str(layout.conf))
    with open(layout.console_log, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=layout.home,
            start_new_session=True,  # survives the CLI that started it
        )
    layout.pid_file.write_text(f"{proc.pid}\n")
    echo(f"Starting Neo4j (pid {proc.pid}), waiting for Bolt on port {settings.bolt_port} ...")
    deadline = time.monotonic() + settings.start_timeout
    reason: str | None = "not started"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            layout.pid_file.unlink(missing_ok=True)
            raise ServerError(
                f"Neo4j exited with code {proc.returncode} while starting.\n{log_tail(layout)}"
            )
        if _port_open(settings.bolt_port):
            reason = _bolt_ready(settings, password)
            if reason is None:
                break
        time.sleep(0.5)
    else:
        _terminate(proc.pid)
        layout.pid_file.unlink(missing_ok=True)
        raise ServerError(
            f"Neo4j did not answer on Bolt within {settings.start_timeout:.0f}s "
            f"({reason}).\n{log_tail(layout)}"
        )
    _describe(settings, echo)
    return proc.pid


def _describe(settings: Settings, echo: Callable[[str], object]) -> None:
    echo(f"  Bolt:    bolt://127.0.0.1:{settings.bolt_port}")
    echo(f"  Browser: http://127.0.0.1:{settings.http_port}/browser/  (user {settings.neo4j_user})")


def _gone(proc: psutil.Process) -> bool:
    # A server started by another process of ours stays a zombie until that
    # parent reaps it; it holds no ports or files, so it counts as stopped.
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(proc: psutil.Process, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(proc):
            return True
        time.sleep(0.2)
    return _gone(proc)


def _terminate(pid: int, timeout: float = 90.0) -> None:
    try:
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
    except psutil.NoSuchProcess:
        return
    if not _wait_gone(proc, timeout):
        proc.kill()
        _wait_gone(proc, 10)


def stop(settings: Settings, *, echo: Callable[[str], object] = print) -> bool:
    """Shut the server down cleanly. False when none was running."""
    layout = Layout(settings.server_home)
    pid = running_pid(layout)
    if pid is None:
        echo("Neo4j is not running.")
        return False
    echo(f"Stopping Neo4j (pid {pid}) ...")
    _terminate(pid)
    layout.pid_file.unlink(missing_ok=True)
    echo("Stopped.")
    return True


def status(settings: Settings) -> dict[str, object]:
    layout = Layout(settings.server_home)
    pid = running_pid(layout)
    bolt = f"bolt://127.0.0.1:{settings.bolt_port}"
    info: dict[str, object] = {
        "home": str(layout.home),
        "installed": layout.install_marker.exists(),
        "running": pid is not None,
        "pid": pid,
        "bolt": bolt,
        "browser": f"http://127.0.0.1:{settings.http_port}/browser/",
    }
    if pid is not None:
        try:
            from cibgraph.db import components

            found = components(bolt, settings.neo4j_user, settings.password())
            info["version"] = found["version"]
            info["edition"] = found["edition"]
        except Exception as e:  # noqa: BLE001 - status reports, it does not fail
            info["error"] = str(e)
    return info
