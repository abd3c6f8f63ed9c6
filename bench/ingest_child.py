"""Child process of the ingest benchmark: one upload through the real path, timed, with its
peak memory (``python -m bench.ingest_child FILE``; prints JSON)."""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path

from bench.support import setup_django


def main() -> None:
    source = Path(sys.argv[1])
    setup_django()
    from accounts.models import User
    from dialer.models import SpoolUpload
    from dialer.upload_jobs import run_upload, upload_dir

    admin = User.objects.get(username="bench-admin")
    copy = upload_dir() / f"bench-{source.name}"
    shutil.copyfile(source, copy)
    upload = SpoolUpload.objects.create(
        file_name=source.name, path=str(copy), size=copy.stat().st_size, uploaded_by=admin
    )
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    upload = run_upload(upload.pk)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
