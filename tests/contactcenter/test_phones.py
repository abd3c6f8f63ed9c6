"""The one module for phone numbers: what SendSMS and uploads accept, and how they hand it on."""

from __future__ import annotations

import pytest

from contactcenter.phones import compact, is_phone_number


@pytest.mark.parametrize(
    "text, accepted, compacted",
    [
        ("099 123 456", True, "099123456"),
        ("+598 (99) 123-456", True, "+59899123456"),
        ("2020", True, "2020"),  # a short code
        ("12", False, ""),
        ("0991234567890123", False, ""),  # 16 digits: longer than E.164 allows
        ("099abc456", False, ""),
        ("", False, ""),
    ],
)
def test_phone_numbers_are_accepted_and_compacted(text, accepted, compacted) -> None:
    assert is_phone_number(text) is accepted
    if accepted:
        assert compact(text) == compacted
