"""The web server of ``bench_monitoring``: uvicorn (one process; ``BENCH_SERVER_WORKERS=2`` as
compose runs, when the machine can start two within a few minutes) on the portal's ASGI
application, counting every database query by whose code
asked for it (the monitoring app and the events socket's lookups, or anything else); each
process writes its counts to ``BENCH_COUNTS_FILE.<pid>`` twice a second."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

import django  # noqa: E402

django.setup()

if os.environ.get("BENCH_MON_PUBSUB") == "1":  # try Redis pub/sub for the channel layer
    from django.conf import settings as _settings

    _settings.CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.pubsub.RedisPubSubChannelLayer"

from django.db.backends.signals import connection_created  # noqa: E402

COUNTS = {"monitoring": 0, "consumers": 0, "other": 0}


def whose() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if f"{os.sep}monitoring{os.sep}" in name:
            return "monitoring"
        if name.endswith(os.path.join("contactcenter", "consumers.py")):
            return "consumers"
        frame = frame.f_back
    return "other"


def counted(execute, sql, params, many, context):  # noqa: ANN001, ANN201
    COUNTS[whose()] += 1
    return execute(sql, params, many, context)


def install(sender, connection, **kwargs) -> None:  # noqa: ANN001
    if counted not in connection.execute_wrappers:
        connection.execute_wrappers.append(counted)


connection_created.connect(install)


def dump(path: str) -> None:
    path = f"{path}.{os.getpid()}"
    while True:
        with open(f"{path}.{threading.get_ident()}.tmp", "w") as out:
            json.dump(COUNTS, out)
        os.replace(f"{path}.{threading.get_ident()}.tmp", path)
        time.sleep(0.5)


WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "1"))
if WORKERS == 1 or __name__ != "__main__":  # each worker imports this module
    threading.Thread(target=dump, args=(os.environ["BENCH_COUNTS_FILE"],), daemon=True).start()

from contactcenter.asgi import application  # noqa: E402, F401  (what the workers serve)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        "bench.monitoring_server:application" if WORKERS > 1 else application,
        workers=WORKERS,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,
    )
