"""Send path throughput: the provider adapter against plain HTTP client loops.

All send the same requests, one at a time over one kept-alive connection, to the same fake
provider server (zero delay) running in its own process, in the same run. The target: the
adapter path reaches at least 80 % of the plain urllib3 loop (the baseline the dialer benchmark
uses too). The adapters send through urllib3 themselves (providers/adapters/http.py), so the
difference is the adapter's own work: rendering the request, reading the answer, the error
mapping. The two loops alternate over BENCH_PROVIDER_ROUNDS rounds (3) so a change in the
machine's speed weighs on both alike; the rates are over all rounds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_PROVIDER_ROUNDS", "3"))
MAX_MESSAGES = 200_000
TEXT = "Your appointment is confirmed for tomorrow at 10:30. Reply STOP to opt out."
DESTINATION = "+59899123456"


def start_server() -> tuple[subprocess.Popen, int]:
    argv = [sys.executable, "-m", "tests.fakeprovider"]
    process = subprocess.Popen(
        argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline().split()
    return process, int(line[1])


def measure(send) -> tuple[int, float]:
    """Messages sent and seconds taken over about DURATION seconds (at most MAX_MESSAGES)."""
    for _ in range(200):  # warm up: connection, caches
        send()
    count, started = 0, time.perf_counter()
    deadline = started + DURATION
    while count < MAX_MESSAGES and time.perf_counter() < deadline:
        send()
        count += 1
    return count, time.perf_counter() - started


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    django.setup()
    from providers.adapters import adapter_class
    from providers.adapters.base import OutgoingSMS, ProviderConfig

    process, port = start_server()
    base = f"http://127.0.0.1:{port}"
    try:
        body = f'{{"to": "{DESTINATION}", "text": "{TEXT}"}}'.encode()
        headers = {"Content-Type": "application/json"}

        pool = urllib3.PoolManager(retries=False)
        timeout = urllib3.Timeout(connect=5, read=15)

        def plain_urllib3() -> None:
            response = pool.request(
                "POST", f"{base}/send", body=body, headers=headers, timeout=timeout
            )
            if response.status != 200:
                raise RuntimeError(response.status)
            response.json()["id"]

        config = ProviderConfig(
            "URLPOSTSMS", endpoint=f"{base}/send",
            settings={"body_template": '{"to": "{destination}", "text": "{message}"}',
                      "content_type": "json"},
        )  # fmt: skip
        adapter = adapter_class("URLPOSTSMS")(config)
        message = OutgoingSMS(DESTINATION, TEXT, reference="bench", encoding="GSM7")

        def adapter_path() -> None:
            adapter.send(message)

        loops = {"plain urllib3 loop": plain_urllib3, "adapter path (URLPOSTSMS)": adapter_path}
        sent = dict.fromkeys(loops, 0)
        seconds = dict.fromkeys(loops, 0.0)
        for _round in range(ROUNDS):
            for name, fn in loops.items():
                count, took = measure(fn)
                sent[name] += count
                seconds[name] += took
        rates = {name: sent[name] / seconds[name] for name in loops}
        baseline = rates["plain urllib3 loop"]
        for name, rate in rates.items():
            print(f"{name:30s} {rate:8.0f} msg/s  {rate / baseline:6.1%} of the urllib3 loop")
        adapter = rates["adapter path (URLPOSTSMS)"]
        print(f"adapter / plain urllib3 loop: {adapter / baseline:.1%} (target >= 80%)")
    finally:
        process.stdin.close()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
