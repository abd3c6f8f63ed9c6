"""Sequential or concurrent sends: decided from sends measured one at a time (real threads)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dialer.send_mode import MAX_PROBE_EVERY, PROBE_EVERY, SAMPLES, SendMode


@pytest.fixture
def pool():
    executor = ThreadPoolExecutor(max_workers=8)
    yield lambda: executor
    executor.shutdown()


def busy(seconds: float) -> None:
    """Work on the CPU (a provider that answers at once costs only our own CPU)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def recorder(wait: float = 0.0, work: float = 0.0005):
    """A send that works ``work`` CPU seconds and waits ``wait`` seconds (the provider), and
    records the thread it ran on."""
    threads: list[str] = []

    def send(job: int) -> int:
        threads.append(threading.current_thread().name)
        busy(work)
        time.sleep(wait)
        return job * 10

    return send, threads


def test_a_fast_provider_is_sent_to_one_row_at_a_time_in_the_calling_thread(pool):
    mode, (send, threads) = SendMode(), recorder()
    for start in range(0, 32, 8):
        assert mode.run(send, list(range(start, start + 8)), pool) == [
            j * 10 for j in range(start, start + 8)
        ]
    assert not mode.concurrent
    assert set(threads) == {threading.current_thread().name}


def test_a_provider_that_makes_sends_wait_gets_them_concurrently(pool):
    mode, (send, threads) = SendMode(), recorder(wait=0.05)
    started = time.monotonic()
    results = mode.run(send, list(range(8)), pool)
    elapsed = time.monotonic() - started
    assert results == [j * 10 for j in range(8)]  # in order, whatever ran where
    assert mode.concurrent
    # The first send measured the wait; the other seven went out together.
    assert threads[0] == threading.current_thread().name
    assert threading.current_thread().name not in threads[1:]
    assert elapsed < 8 * 0.05 / 2


def test_one_slow_send_among_fast_ones_does_not_flip_the_mode():
    mode = SendMode()
    for _ in range(SAMPLES - 1):
        mode.measure(wall=0.0005, cpu=0.0004)
    mode.measure(wall=0.005, cpu=0.0004)  # it waited for the interpreter lock, say
    assert not mode.concurrent


def test_concurrent_mode_probes_and_returns_to_sequential_when_the_provider_got_fast(pool):
    mode = SendMode()
    for _ in range(SAMPLES):
        mode.measure(wall=0.05, cpu=0.0005)
    assert mode.concurrent
    send, threads = recorder()  # the provider is fast now
    me = threading.current_thread().name
    probes = 0
    for _ in range(PROBE_EVERY * SAMPLES):
        threads.clear()
        mode.run(send, list(range(8)), pool)
        if threads and threads[0] == me:
            probes += 1
        if not mode.concurrent:
            break
    assert not mode.concurrent
    assert probes <= SAMPLES // 2 + 1  # a majority of fast probes was enough


def test_windows_between_probes_do_not_send_from_the_calling_thread(pool):
    mode = SendMode()
    for _ in range(SAMPLES):
        mode.measure(wall=0.05, cpu=0.0005)
    send, threads = recorder(wait=0.01)
    me = threading.current_thread().name
    for window in range(1, PROBE_EVERY):
        threads.clear()
        mode.run(send, list(range(4)), pool)
        assert me not in threads, window


def test_probes_that_find_the_provider_still_slow_are_spaced_out(pool):
    """A probe costs a whole round trip: against a provider that stays slow they get rarer."""
    mode = SendMode()
    for _ in range(SAMPLES):
        mode.measure(wall=0.05, cpu=0.0005)
    send, threads = recorder(wait=0.02, work=0.0002)
    me = threading.current_thread().name
    probed_at = []
    for window in range(1, 120):
        threads.clear()
        mode.run(send, list(range(2)), pool)
        if threads[0] == me:
            probed_at.append(window)
    assert mode.concurrent
    gaps = [b - a for a, b in zip(probed_at, probed_at[1:], strict=False)]
    assert probed_at[0] == PROBE_EVERY
    assert gaps == [2 * PROBE_EVERY, 4 * PROBE_EVERY] and max(gaps) <= MAX_PROBE_EVERY
