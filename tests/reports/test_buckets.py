"""The first-response histogram and its percentile, by hand."""

from __future__ import annotations

from reports.buckets import BOUNDS, BUCKET_COLUMNS, bucket_of, percentile


def counts(*seconds: float) -> list[int]:
    histogram = [0] * len(BUCKET_COLUMNS)
    for value in seconds:
        histogram[bucket_of(value)] += 1
    return histogram


def test_buckets():
    assert len(BUCKET_COLUMNS) == len(BOUNDS) + 1
    assert [bucket_of(v) for v in (0, 4.9, 5, 29.9, 30, 86399, 86400, 10**7)] == [
        0, 0, 1, 4, 5, 23, 24, 24,
    ]  # fmt: skip


def test_p90_nearest_rank_inside_its_bucket():
    assert percentile(counts(), 0.9) is None
    # 20 answers: rank ceil(18) = 18. Sixteen in 0–5 s, four in 20–30 s: the 18th is the 2nd
    # of the four: 20 + 10 × 2 / 4 = 25.
    assert percentile(counts(*[1] * 16, *[21, 22, 23, 29]), 0.9) == 25.0
    # 10 answers of 0–5 s and none slower: 5 × 9 / 10 = 4.5.
    assert percentile(counts(*[2] * 10), 0.9) == 4.5
    # The last bucket has no top: its bottom (a day) is answered.
    assert percentile(counts(1, 100000), 0.9) == 86400.0
    assert percentile(counts(7), 0.5) == 10.0  # alone in 5–10 s: its top
