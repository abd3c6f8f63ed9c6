"""Every Celery queue has a worker wherever the portal runs: ``make run`` (contactcenter.runner)
and docker-compose.yml (production). A queue nobody consumes would hold its tasks for ever."""

from __future__ import annotations

from pathlib import Path

import yaml

from contactcenter import queues
from contactcenter.runner import commands

ROOT = Path(__file__).resolve().parents[2]


def queues_served(argvs: list[list[str]]) -> dict[str, set[str]]:
    """Queue -> the processes consuming it, from their command lines."""
    served: dict[str, set[str]] = {}
    for argv in argvs:
        if "worker" in argv and "--queues" in argv:
            name = argv[argv.index("--hostname") + 1]
            for queue in argv[argv.index("--queues") + 1].split(","):
                served.setdefault(queue, set()).add(name)
    return served


def test_make_run_starts_a_worker_for_every_queue_and_beat(tmp_path) -> None:
    procs = commands("127.0.0.1", "8000", tmp_path)
    served = queues_served(list(procs.values()))
    assert set(served) == set(queues.ALL)
    assert "beat" in procs["beat"]
    assert {"worker", "worker-routing", "worker-dialer"} <= set(procs)


def test_docker_compose_runs_a_worker_for_every_queue_and_beat() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    served = queues_served([s["command"] for s in services.values() if "command" in s])
    assert set(served) == set(queues.ALL)
    assert "beat" in services["beat"]["command"]
