"""Run the fake provider server on its own: ``python -m tests.fakeprovider [--tls] [--delay S]``
(``--delay``: every answer comes S seconds late, as from a real provider far away).

Prints ``PORT <n>`` on its first line, then serves until stdin closes or it is killed. Benchmarks
use it so the server does not share the client's process (and its GIL).
"""

from __future__ import annotations

import argparse
import sys

from tests.fakeprovider.server import Behaviour, FakeProviderServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    with FakeProviderServer(tls=args.tls) as server:
        server.record_requests = False  # a long benchmark must not grow memory
        if args.delay:
            server.always(Behaviour(delay=args.delay))
        print(f"PORT {server.port}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
