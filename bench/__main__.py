"""`make bench`: run every benchmark module in this folder and print its figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = [m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")]
    if not names:
        print("No benchmarks yet.")
        return 0
    for name in sorted(names):
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
