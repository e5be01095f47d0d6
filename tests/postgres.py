"""A throwaway PostgreSQL server for tests: Debian's `postgresql` package, initdb + pg_ctl in a temp dir.

No mock: the importer is tested against the real server. PostgreSQL refuses to run as root, so as root the
cluster belongs to the `postgres` user the package creates and the commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "shop"


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"


def bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql (see .ci/run)")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def server() -> Iterator[Server]:
    binaries = bin_dir()
    owner = "postgres" if os.geteuid() == 0 else None
    work = Path(tempfile.mkdtemp(prefix="shop-pg-"))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(work, entry.pw_uid, entry.pw_gid)
    data, log = work / "data", work / "server.log"
    port = _free_port()
    subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
        _as_owner([str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"], owner),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(  # noqa: S603
        _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], owner),
        check=True,
        capture_output=True,
    )
    try:
        yield Server(host="127.0.0.1", port=port)
    finally:
        subprocess.run(  # noqa: S603
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)
