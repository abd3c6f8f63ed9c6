"""Child process of the ingest benchmark: one upload through the real path, timed, with its
peak memory (``python -m bench.ingest_child FILE``; prints JSON)."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.support import setup_django


def high_water_kb() -> int:
    """Peak resident memory of this process image. (``ru_maxrss`` is not used: Linux carries it
    across ``exec``, so it would report the parent's size at fork time.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    source = Path(sys.argv[1])
    setup_django()
    from django.core.files import File
    from django.core.files.storage import default_storage

    from accounts.models import User
    from dialer.models import SpoolUpload
    from dialer.upload_jobs import UPLOADS, run_upload

    admin = User.objects.get(username="bench-admin")
    with source.open("rb") as handle:  # stored as the web process stores an upload
        name = default_storage.save(f"{UPLOADS}/bench-{source.name}", File(handle))
    upload = SpoolUpload.objects.create(
        file_name=source.name, path=name, size=source.stat().st_size, uploaded_by=admin
    )
    base_rss = high_water_kb()
    started = time.perf_counter()
    upload = run_upload(upload.pk)
    elapsed = time.perf_counter() - started
    peak_kb = high_water_kb()
    print(
        json.dumps(
            {
                "state": upload.state,
                "rows": upload.rows_loaded,
                "seconds": elapsed,
                "peak_mb": peak_kb / 1024,
                "before_mb": base_rss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
