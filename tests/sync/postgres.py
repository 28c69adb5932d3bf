"""A real, throw-away PostgreSQL server for the sync tests.

The provincial server runs on PostgreSQL in production, so its tests run against the real thing, not
SQLite pretending. Nothing is assumed but Debian's `postgresql` package (installer/dev-setup.sh installs
it): the cluster lives in a temp directory, listens on a free port on 127.0.0.1 only, trusts local
connections, and is deleted at the end. initdb and postgres refuse to run as root (CI runs as root), so
as root they run as the `postgres` system user the Debian package creates; as anyone else they run
directly as that user.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

SUPERUSER = "postgres"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# PG* variables of the caller's shell must not point initdb or pg_ctl at another cluster.
_PG_ENV = ("PGDATA", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSERVICE")


class PostgresError(RuntimeError):
    """PostgreSQL could not be found, started or used; the message says what to do."""


def find_pg_bin() -> Path:
    """The directory holding initdb and pg_ctl: $PG_BIN, else Debian's newest version, else PATH."""
    explicit = os.environ.get("PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    versions = sorted(glob.glob(PG_BIN_GLOB), key=_version_key, reverse=True)
    candidates += [Path(v) for v in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under "
        f"{PG_BIN_GLOB} or on PATH. Run `bash installer/dev-setup.sh` (it installs Debian's "
        "`postgresql` package) or set PG_BIN."
    )


def _version_key(path: str) -> tuple[int, ...]:
    """Sort /usr/lib/postgresql/9.6 before /usr/lib/postgresql/15 numerically, not as text."""
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (start() retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One private PostgreSQL cluster: start(), create_database(), stop(); or use it as a context manager."""

    def __init__(self, *, shared_buffers: str = "16MB", max_connections: int = 100) -> None:
        self.shared_buffers = shared_buffers
        self.max_connections = max_connections
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._bin: Path | None = None
        self._as_root = os.geteuid() == 0
        self._running = False

    # -- paths ------------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._base() / "sock"

    @property
    def log_file(self) -> Path:
        return self._base() / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default `postgres` database (use create_database() for a test's own)."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        if self.port is None:
            raise PostgresError("PostgreSQL is not started")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise PostgresError("PostgreSQL is not started")
        return self.base_dir

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Create the cluster and start it; raises PostgresError with the server log if it cannot."""
        if self._running:
            return
        self._bin = find_pg_bin()
        self._make_base_dir()
        try:
            self._initdb()
            last_error: PostgresError | None = None
            for _attempt in range(3):  # another process may grab the free port before postgres binds it
                self.port = free_port()
                self._write_config()
                try:
                    self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_file))
                except PostgresError as exc:
                    last_error = exc
                    continue
                self._running = True
                atexit.register(self.stop)
                return
            raise last_error or PostgresError("PostgreSQL did not start")
        except BaseException:
            self._remove_base_dir()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are cut) and delete its directory. Idempotent."""
        if self._running:
            self._running = False
            with contextlib.suppress(PostgresError):
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        self._remove_base_dir()
        atexit.unregister(self.stop)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- databases --------------------------------------------------------------------------------
    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh, unique one if no name is given) and return its SQLAlchemy URL."""
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        if not _DB_NAME.match(name):
            raise ValueError(f"database name {name!r} must match {_DB_NAME.pattern}")
        self._admin_sql(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database even while sessions are open on it (they are terminated)."""
        if not _DB_NAME.match(name):
            raise ValueError(f"database name {name!r} must match {_DB_NAME.pattern}")
        self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin_sql(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE cannot run inside one)."""
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - the server extra brings it
            raise PostgresError("psycopg is missing: run `bash installer/dev-setup.sh`") from exc
        if self.port is None or not self._running:
            raise PostgresError("PostgreSQL is not started")
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True,
            connect_timeout=10,
        ) as conn:
            conn.execute(statement.encode())

    # -- helpers ----------------------------------------------------------------------------------
    def _make_base_dir(self) -> None:
        """A private directory the server's user owns; as root, under /tmp so `postgres` can reach it."""
        if self._as_root:
            try:
                owner = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                raise PostgresError(
                    "running as root, but there is no `postgres` system user to run the server as "
                    "(Debian's `postgresql` package creates it: run `bash installer/dev-setup.sh`)"
                ) from exc
            # TMPDIR may sit under /root (mode 0700), where the postgres user cannot go.
            base = Path(tempfile.mkdtemp(prefix="counter-pg-", dir="/tmp"))
            os.chown(base, owner.pw_uid, owner.pw_gid)
        else:
            base = Path(tempfile.mkdtemp(prefix="counter-pg-"))
        self.base_dir = base
        self._run_as_server_user(["mkdir", "-m", "700", str(base / "sock")], "mkdir")

    def _remove_base_dir(self) -> None:
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def _initdb(self) -> None:
        assert self._bin is not None
        self._run_as_server_user(
            [
                str(self._bin / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions",
            ],
            "initdb",
        )

    def _write_config(self) -> None:
        """Settings for a disposable test server: loopback only, no fsync, small memory."""
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": f"'{self.shared_buffers}'",
            "max_connections": str(self.max_connections),
            "log_min_messages": "warning",
            "logging_collector": "off",
        }
        text = "\n".join(f"{key} = {value}" for key, value in settings.items()) + "\n"
        # postgresql.auto.conf is read last, so a port chosen on a retry wins over the previous one.
        self._run_as_server_user(
            ["sh", "-c", 'cat > "$1"', "sh", str(self.data_dir / "postgresql.auto.conf")], "config", text
        )

    def _pg_ctl(self, *args: str) -> None:
        assert self._bin is not None
        self._run_as_server_user([str(self._bin / "pg_ctl"), "-D", str(self.data_dir), *args], "pg_ctl")

    def _run_as_server_user(self, argv: list[str], what: str, stdin: str | None = None) -> None:
        """Run argv as the `postgres` user when we are root, else as ourselves; raise with its output."""
        if self._as_root:
            argv = ["runuser", "-u", SUPERUSER, "--", *argv]
        env = {k: v for k, v in os.environ.items() if k not in _PG_ENV}
        env["LC_ALL"] = "C"  # stable messages; --no-locale makes the cluster's own locale C anyway
        try:
            proc = subprocess.run(
                argv, cwd=self._base(), env=env, input=stdin, capture_output=True, text=True,
                timeout=120, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresError(f"{what} failed: {exc}") from exc
        if proc.returncode != 0:
            raise PostgresError(
                f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n{proc.stdout}{proc.stderr}"
                f"{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()[-20:]
        except OSError:
            return ""
        return "\n--- postgres.log ---\n" + "\n".join(lines) if lines else ""
