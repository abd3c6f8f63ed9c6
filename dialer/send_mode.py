"""Whether a window's rows are sent one after another or concurrently.

Threads pay off while a request waits on the provider (network latency, a slow API). On a
provider that answers within a fraction of a millisecond they cost more than they save: the
sends contend for the interpreter lock and each hand-off costs CPU. So the loop measures sends
made one at a time (wall time against the sending thread's own CPU time) and goes concurrent
when a send waits several times longer than it works; while concurrent, the first row of a
window now and then is sent on its own to measure again, so a provider that became fast is
noticed. Such a probe costs a whole provider round trip (the rest of its window waits), so
probes that find the provider clearly slow are spaced out: PROBE_EVERY windows at first, twice as
many after each, up to MAX_PROBE_EVERY; a probe that finds it fast brings them back to
PROBE_EVERY.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from statistics import median
from typing import TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

PROBE_EVERY = 16
MAX_PROBE_EVERY = 256
# A probe spaces the next ones out only when the provider is clearly slow (a send waits this
# many times its CPU time: 200 ms against about 1 ms), not when a busy machine made a fast send
# look slow.
CLEARLY_SLOW = 30
# Concurrent once a send waits more than this many times its own CPU time. The median of the
# last SAMPLES sends decides, so a send that merely waited for the interpreter lock (another
# thread of this process was busy) does not flip the mode.
WAITING_FACTOR = 3
SAMPLES = 9
# Sends measured before WAITING_FACTOR decides (until then only CLEARLY_SLOW flips the mode).
SETTLED_SAMPLES = 3


@dataclass
class SendMode:
    concurrent: bool = False
    windows: int = 0
    waits: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    probe_every: int = PROBE_EVERY
    next_probe: int = PROBE_EVERY

    def settled_sequential(self) -> bool:
        """Whether enough sends were measured to say the provider is fast (sequential sends):
        not a guess from the first one."""
        return not self.concurrent and len(self.waits) >= SETTLED_SAMPLES

    def measuring_next(self) -> bool:
        """Whether the next window is sent (at least partly) one at a time and measured."""
        return not self.concurrent or self.windows + 1 >= self.next_probe

    def measure(self, wall: float, cpu: float) -> None:
        """Record one send made on its own: ``wall`` seconds, ``cpu`` of them working."""
        self.waits.append((wall - cpu) / max(cpu, 1e-6))
        # Until a few sends were measured, only a clearly slow provider flips the mode: one
        # send that waited for a busy machine must not.
        factor = WAITING_FACTOR if len(self.waits) >= SETTLED_SAMPLES else CLEARLY_SLOW
        self.concurrent = median(self.waits) > factor

    def timed(self, send: Callable[[Job], Result], job: Job) -> Result:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return send(job)
        finally:
            self.measure(time.perf_counter() - wall, time.thread_time() - cpu)

    def run(
        self,
        send: Callable[[Job], Result],
        jobs: list[Job],
        pool: Callable[[], ThreadPoolExecutor],
    ) -> list[Result]:
        """Send ``jobs`` (started in order) and return their results in the same order."""
        self.windows += 1
        results: list[Result] = []
        remaining = list(jobs)
        if not self.concurrent or self.windows >= self.next_probe:
            # One at a time and measured, for as long as waiting does not dominate.
            probing = self.concurrent
            results.append(self.timed(send, remaining.pop(0)))
            if probing:
                still_slow = self.waits[-1] > CLEARLY_SLOW
                self.probe_every = (
                    min(self.probe_every * 2, MAX_PROBE_EVERY) if still_slow else PROBE_EVERY
                )
                self.next_probe = self.windows + self.probe_every
            while remaining and not self.concurrent:
                results.append(self.timed(send, remaining.pop(0)))
        if remaining:
            results += self.run_concurrently(send, remaining, pool)
        return results

    @staticmethod
    def run_concurrently(
        send: Callable[[Job], Result],
        jobs: list[Job],
        pool: Callable[[], ThreadPoolExecutor],
    ) -> list[Result]:
        return list(pool().map(send, jobs))
