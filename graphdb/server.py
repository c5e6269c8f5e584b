"""A managed local Neo4j 5.26 Community, assembled from Maven Central, listening on 127.0.0.1 with auth on.

Layout under GRAPHDB_HOME: ``maven/pom.xml``, ``lib/`` (jars), ``conf/neo4j.conf`` (written by us),
``data/``, ``logs/``, ``import/``, ``run/state.json`` (0600) and ``password`` (0600).

The password never appears in a process's arguments: the admin tool gets it through a 0600
``@argfile`` that is removed right after, and the driver gets it from the password file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from . import NEO4J_BROWSER_VERSION, NEO4J_VERSION
from .config import _env, graphdb_home
from .errors import (
    DownloadFailed,
    JavaNotFound,
    MavenNotFound,
    NotInstalled,
    PortInUse,
    ServerFailed,
)

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
]
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>graphdb.local</groupId><artifactId>neo4j-managed</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{neo4j}</version></dependency>
    <dependency><groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId><version>{browser}</version></dependency>
  </dependencies>
</project>
"""

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Status:
    running: bool
    uri: str | None
    browser_url: str | None
    version: str
    pid: int | None
    home: str
    installed: bool
    bolt_port: int | None = None
    http_port: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class ManagedServer:
    def __init__(self, home: Path | None = None):
        self.home = Path(home) if home else graphdb_home()

    # ---- paths -------------------------------------------------------------------------
    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def state_file(self) -> Path:
        return self.home / "run" / "state.json"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "neo4j.log"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"

    # ---- prerequisites -----------------------------------------------------------------
    @staticmethod
    def java() -> tuple[str, int]:
        """The java executable and its major version; JavaNotFound unless 17 or newer."""
        candidates = []
        if _env("GRAPHDB_JAVA"):
            candidates.append(_env("GRAPHDB_JAVA"))
        if os.environ.get("JAVA_HOME"):
            candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
        found = shutil.which("java")
        if found:
            candidates.append(found)
        seen = []
        for exe in candidates:
            if not exe or not Path(exe).exists():
                continue
            try:
                out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
            except OSError:
                continue
            m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
            if not m:
                continue
            major = int(m.group(1))
            if major == 1 and m.group(2):
                major = int(m.group(2))
            seen.append(f"{exe} (Java {major})")
            if major >= 17:
                return exe, major
        what = ", ".join(seen) if seen else "no java on PATH or JAVA_HOME"
        raise JavaNotFound(f"Neo4j {NEO4J_VERSION} needs Java 17 or newer; found: {what}")

    @staticmethod
    def maven() -> str:
        mvn = shutil.which("mvn")
        if not mvn:
            raise MavenNotFound("Maven (mvn) is not on PATH")
        return mvn

    def is_installed(self) -> bool:
        return (self.lib / f"neo4j-{NEO4J_VERSION}.jar").exists() and (
            self.lib / f"neo4j-browser-{NEO4J_BROWSER_VERSION}.jar"
        ).exists()

    # ---- install ---------------------------------------------------------------------------
    def install(self, progress: Progress = _quiet, force: bool = False) -> Path:
        """Fetch Neo4j and Neo4j Browser jars from Maven Central into GRAPHDB_HOME/lib."""
        self.java()
        if self.is_installed() and not force:
            progress(f"Neo4j {NEO4J_VERSION} already installed in {self.lib}")
            return self.lib
        mvn = self.maven()
        mdir = self.home / "maven"
        mdir.mkdir(parents=True, exist_ok=True)
        (mdir / "pom.xml").write_text(POM.format(neo4j=NEO4J_VERSION, browser=NEO4J_BROWSER_VERSION))
        tmp = self.home / "lib.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        progress(f"Fetching org.neo4j:neo4j:{NEO4J_VERSION} and org.neo4j.client:neo4j-browser:"
                 f"{NEO4J_BROWSER_VERSION} from Maven Central (about 150 MB) ...")
        cmd = [mvn, "-B", "-q", "-f", str(mdir / "pom.xml"), "dependency:copy-dependencies",
               f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            missing = re.findall(r"(org\.neo4j[\w.\-]*:[\w.\-]+:[\w.\-]*:[\d.]+)", proc.stdout + proc.stderr)
            name = missing[0] if missing else f"org.neo4j:neo4j:{NEO4J_VERSION}"
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            raise DownloadFailed(f"Maven could not fetch {name}: {' | '.join(tail)}")
        shutil.rmtree(self.lib, ignore_errors=True)
        tmp.rename(self.lib)
        if not self.is_installed():
            raise DownloadFailed(f"Maven finished but {self.lib} lacks neo4j-{NEO4J_VERSION}.jar")
        progress(f"Installed {len(list(self.lib.glob('*.jar')))} jars in {self.lib}")
        return self.lib

    # ---- password ----------------------------------------------------------------------------
    def password(self) -> str:
        """NEO4J_PASSWORD, else the stored password; generated (and stored 0600) on first use."""
        env = _env("NEO4J_PASSWORD")
        if env:
            return env
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        pw = secrets.token_urlsafe(24)
        _write_private(self.password_file, pw + "\n")
        return pw

    def _set_initial_password(self, java: str, password: str) -> None:
        if len(password) < 8:
            raise ServerFailed("the Neo4j password must have at least 8 characters",
                               hint="set NEO4J_PASSWORD to a longer password")
        argfile = self.home / "run" / f"admin-{os.getpid()}.args"
        # Java's @argfile: the password reaches the admin tool without appearing in its argv.
        quoted = '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"'
        _write_private(argfile, f"org.neo4j.cli.AdminTool\ndbms\nset-initial-password\n{quoted}\n")
        try:
            proc = subprocess.run([java, "-cp", str(self.lib / "*"), f"@{argfile}"], env=self._env(),
                                  capture_output=True, text=True, timeout=300)
        finally:
            argfile.unlink(missing_ok=True)
        if proc.returncode != 0:
            raise ServerFailed("neo4j-admin could not set the initial password: "
                               + (proc.stderr.strip().splitlines() or ["(no output)"])[-1].replace(password, "***"))

    # ---- state -------------------------------------------------------------------------------
    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _pid_alive(self, pid: int | None) -> bool:
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False  # a zombie: exited, not yet reaped
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            return ENTRY_POINT.encode() in cmdline and str(self.home).encode() in cmdline
        except OSError:
            return True

    def status(self) -> Status:
        st = self._read_state()
        pid = st.get("pid")
        alive = self._pid_alive(pid)
        bolt, http = st.get("bolt_port"), st.get("http_port")
        running = alive and bolt is not None and _port_open(bolt)
        note = ""
        if st and not alive:
            note = f"stale state: process {pid} is gone (crashed or killed)"
        elif alive and not running:
            note = f"process {pid} is alive but Bolt is not answering yet"
        return Status(
            running=running,
            uri=f"bolt://127.0.0.1:{bolt}" if running else None,
            browser_url=f"http://127.0.0.1:{http}/browser/" if running else None,
            version=NEO4J_VERSION, pid=pid if alive else None, home=str(self.home),
            installed=self.is_installed(), bolt_port=bolt if running else None,
            http_port=http if running else None, note=note,
        )

    # ---- start / stop ----------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_PASSWORD", "NEO4J_AUTH")}
        env.update(NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.conf_dir))
        return env

    def _write_conf(self, bolt: int, http: int) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        pagecache = _env("GRAPHDB_NEO4J_PAGECACHE") or "512m"
        lines = [
            "# Written by graphdb; rewritten at each start.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{bolt}",
            f"server.bolt.advertised_address=127.0.0.1:{bolt}",
            "server.bolt.enabled=true",
            "server.http.enabled=true",
            f"server.http.listen_address=127.0.0.1:{http}",
            f"server.http.advertised_address=127.0.0.1:{http}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            f"server.memory.pagecache.size={pagecache}",
            "db.memory.transaction.total.max=2g",
            "db.tx_log.rotation.retention_policy=2 files",
            "dbms.usage_report.enabled=false",
            f"server.directories.import={self.home / 'import'}",
            "browser.remote_content_hostname_whitelist=localhost,127.0.0.1,guides.neo4j.com",
        ]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def start(self, progress: Progress = _quiet, timeout: float = 180) -> Status:
        """Start the server (idempotent) and wait until Bolt answers with the password."""
        st = self.status()
        if st.running:
            progress(f"Neo4j is already running at {st.uri} (pid {st.pid})")
            return st
        if st.pid:  # alive but not answering yet: wait for it
            return self._wait(st.pid, self._read_state(), progress, timeout)
        java, _ = self.java()
        if not self.is_installed():
            self.install(progress)
        for d in ("data", "logs", "run", "import", "plugins"):
            (self.home / d).mkdir(parents=True, exist_ok=True)
        bolt = _choose_port("GRAPHDB_BOLT_PORT", 7687)
        http = _choose_port("GRAPHDB_HTTP_PORT", 7474, avoid={bolt})
        self._write_conf(bolt, http)
        password = self.password()
        if not (self.home / "data" / "dbms" / "auth.ini").exists():
            progress("Setting the initial password (from NEO4J_PASSWORD or the 0600 password file)")
            self._set_initial_password(java, password)
        heap = _env("GRAPHDB_NEO4J_HEAP") or "1g"
        cmd = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, "-cp", str(self.lib / "*"), ENTRY_POINT,
               f"--home-dir={self.home}", f"--config-dir={self.conf_dir}"]
        progress(f"Starting Neo4j {NEO4J_VERSION} on 127.0.0.1 (Bolt {bolt}, HTTP {http}) ...")
        with open(self.console_log, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=self._env(), cwd=self.home, start_new_session=True)
        state = {"pid": proc.pid, "bolt_port": bolt, "http_port": http, "version": NEO4J_VERSION,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        _write_private(self.state_file, json.dumps(state))
        return self._wait(proc.pid, state, progress, timeout, proc)

    def _wait(self, pid: int, state: dict, progress: Progress, timeout: float,
              proc: subprocess.Popen | None = None) -> Status:
        deadline = time.monotonic() + timeout
        bolt = state["bolt_port"]
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise ServerFailed(f"Neo4j exited with code {proc.returncode} during start-up "
                                   f"(log: {self.console_log})")
            if proc is None and not self._pid_alive(pid):
                raise ServerFailed(f"Neo4j (pid {pid}) died during start-up (log: {self.console_log})")
            if _port_open(bolt) and self._bolt_ready(bolt):
                st = self.status()
                progress(f"Neo4j is running: {st.uri}  Browser: {st.browser_url}")
                return st
            time.sleep(0.5)
        raise ServerFailed(f"Neo4j did not answer on Bolt port {bolt} within {timeout:.0f}s "
                           f"(log: {self.log_file})")

    def _bolt_ready(self, port: int) -> bool:
        import neo4j
        from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

        try:
            with neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", self.password()),
                                            connection_timeout=3) as drv:
                drv.execute_query("RETURN 1")
            return True
        except (ServiceUnavailable, SessionExpired, OSError):
            return False
        except AuthError as e:
            raise ServerFailed("the managed Neo4j rejected the stored password",
                               hint=f"set NEO4J_PASSWORD to the password it was created with, or remove "
                                    f"{self.home / 'data'} to start afresh") from e
        except neo4j.exceptions.Neo4jError:
            return False  # e.g. database still starting

    def stop(self, progress: Progress = _quiet, timeout: float = 60) -> bool:
        """Stop the server cleanly (SIGTERM, then SIGKILL after the timeout). True if it was running."""
        st = self._read_state()
        pid = st.get("pid")
        if pid is None or not self._pid_alive(pid):
            self.state_file.unlink(missing_ok=True)
            progress("Neo4j is not running")
            return False
        progress(f"Stopping Neo4j (pid {pid}) ...")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._pid_alive(pid):
            _reap(pid)
            time.sleep(0.3)
        if self._pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(1)
        _reap(pid)
        self.state_file.unlink(missing_ok=True)
        progress("Neo4j stopped")
        return True

    def logs(self, lines: int = 50) -> str:
        out = []
        for f in (self.log_file, self.console_log):
            if f.exists():
                text = f.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"==> {f} <==\n" + "\n".join(text))
        if not out:
            raise NotInstalled(f"no logs under {self.home / 'logs'}", hint="start the server with `graphdb neo4j start`")
        return "\n".join(out)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as the server binds: a port in TIME_WAIT after our own stop is free to use
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _choose_port(env_name: str, default: int, avoid: set[int] | None = None) -> int:
    """The port from the environment (must be free), else the default, else a free one."""
    avoid = avoid or set()
    wanted = _env(env_name)
    if wanted:
        port = int(wanted)
        if port in avoid or not _port_free(port):
            raise PortInUse(f"port {port} ({env_name}) is already in use on 127.0.0.1")
        return port
    if default not in avoid and _port_free(default):
        return default
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
