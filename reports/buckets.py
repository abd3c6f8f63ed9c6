"""The first-response histogram: bucket bounds in seconds. A rollup keeps a count per bucket,
so a percentile over any range of days is read from sums (exact to within its bucket)."""

from __future__ import annotations

# Upper bounds (exclusive); the last bucket has none.
BOUNDS: tuple[int, ...] = (
    5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600,
    5400, 7200, 14400, 28800, 86400,
)  # fmt: skip
BUCKET_COLUMNS: tuple[str, ...] = tuple(f"frt_h{k:02d}" for k in range(len(BOUNDS) + 1))


def bucket_of(seconds: float) -> int:
    """The bucket index of a first response of ``seconds`` (as SQL's ``width_bucket``)."""
    return sum(1 for bound in BOUNDS if bound <= seconds)


def percentile(counts: list[int], fraction: float) -> float | None:
    """The ``fraction`` percentile (0.9: p90) of the histogram ``counts``, nearest rank, placed
    by linear interpolation inside its bucket: rank r = ceil(fraction × n) falls in bucket k
    holding c values from lo to hi; the answer is lo + (hi − lo) × (r − before) / c. The last
    bucket has no upper bound: its lower bound is answered. None for an empty histogram."""
    total = sum(counts)
    if total == 0:
        return None
    rank = -(-fraction * total // 1)  # ceil
    rank = max(1, int(rank))
    before = 0
    for k, count in enumerate(counts):
        if count and before + count >= rank:
            low = BOUNDS[k - 1] if k else 0
            if k == len(BOUNDS):
                return float(low)
            return low + (BOUNDS[k] - low) * (rank - before) / count
        before += count
    return None  # not reached
