"""Run the fake provider server on its own: ``python -m tests.fakeprovider [--tls]``.

Prints ``PORT <n>`` on its first line, then serves until stdin closes or it is killed. Benchmarks
use it so the server does not share the client's process (and its GIL).
"""

from __future__ import annotations

import argparse
import sys

from tests.fakeprovider.server import FakeProviderServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    with FakeProviderServer(tls=args.tls) as server:
        server.record_requests = False  # a long benchmark must not grow memory
        print(f"PORT {server.port}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
