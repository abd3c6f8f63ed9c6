"""``make run``: the web server (ASGI), the Celery workers (one per kind of queue) and Celery beat.

Without REDIS_URL a private Redis is started first (see ``embedded_redis``). Ctrl-C (or SIGTERM)
stops every process; if one of them dies, the others are stopped too and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from contactcenter import queues
from contactcenter.embedded_redis import PrivateRedis
from contactcenter.redis_urls import default_socket

BASE_DIR = Path(__file__).resolve().parent.parent


def commands(host: str, port: str, var_dir: Path) -> dict[str, list[str]]:
    """The web server, one Celery worker per kind (``queues.WORKERS``: dialer batches apart from
    everything else) and beat."""
    python = sys.executable
    concurrency = {
        "worker": os.environ.get("WORKER_CONCURRENCY", "2"),
        "routing": os.environ.get("ROUTING_WORKER_CONCURRENCY", "2"),
        "dialer": os.environ.get("DIALER_WORKER_CONCURRENCY", "4"),
    }
    procs = {
        "web": [python, "-m", "uvicorn", "contactcenter.asgi:application",
                "--host", host, "--port", port, "--no-access-log", "--timeout-keep-alive", "75"],
    }  # fmt: skip
    for kind, served in queues.WORKERS.items():
        procs[kind if kind == "worker" else f"worker-{kind}"] = [
            python, "-m", "celery", "-A", "contactcenter", "worker", "--loglevel", "INFO",
            "--queues", ",".join(served), "--concurrency", concurrency.get(kind, "2"),
            "--hostname", f"{kind}@%h",
        ]  # fmt: skip
    procs["beat"] = [python, "-m", "celery", "-A", "contactcenter", "beat", "--loglevel", "INFO",
                     "--schedule", str(var_dir / "celerybeat-schedule")]  # fmt: skip
    return procs


def main() -> int:
    var_dir = Path(os.environ.get("CC_VAR_DIR", BASE_DIR / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    env = dict(os.environ)
    private_redis = None
    if not env.get("REDIS_URL"):
        private_redis = PrivateRedis(default_socket(var_dir)).start()
        env["REDIS_URL"] = private_redis.url
        print(f"Started a private Redis at {private_redis.url}", flush=True)

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    children: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        for name, argv in commands(host, port, var_dir).items():
            # Own process group: the terminal's Ctrl-C reaches only us; we stop children in order.
            children[name] = subprocess.Popen(argv, env=env, cwd=BASE_DIR, start_new_session=True)
        print(f"contactcenter is running on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} exited with code {child.returncode}; stopping.", flush=True)
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if private_redis:
            private_redis.stop()
        print("contactcenter stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
