from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    EncodingError,
    SegmentInfo,
    choose_encoding,
    segment_info,
    split_parts,
)

GSM_TEXT = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=800)


def test_plain_ascii_fits_160_then_153_per_part():
    assert segment_info("a" * 160) == SegmentInfo(Encoding.GSM7, 1, 160)
    assert segment_info("a" * 161).segments == 2
    assert segment_info("a" * 306).segments == 2
    assert segment_info("a" * 307).segments == 3


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_every_extension_character_counts_double(char):
    info = segment_info(char * 80)
    assert info.encoding is Encoding.GSM7 and info.units == 160 and info.segments == 1
    assert segment_info(char * 81).segments == 2


def test_an_escape_pair_is_never_split():
    text = "a" * 152 + "€" + "b" * 10
    parts = split_parts(text, Encoding.GSM7)
    assert parts[0] == "a" * 152 and parts[1].startswith("€")


@pytest.mark.parametrize("text", ["ñandú", "¿Cómo?", "acción", "está"])
def test_spanish_accents_outside_gsm_make_ucs2(text):
    assert choose_encoding(text) is Encoding.UCS2


@pytest.mark.parametrize("text", ["Ñoño", "¿Señor?", "¡Hola! él", "años à ì ò ù è é Ü"])
def test_spanish_letters_inside_gsm_stay_gsm7(text):
    assert choose_encoding(text) is Encoding.GSM7


def test_ucs2_limits_and_emoji_count_two():
    assert segment_info("á" * 70) == SegmentInfo(Encoding.UCS2, 1, 70)
    assert segment_info("á" * 71).segments == 2
    assert segment_info("😀" * 35) == SegmentInfo(Encoding.UCS2, 1, 70)
    assert segment_info("😀" * 36).segments == 2
    parts = split_parts("a" * 66 + "😀" + "b" * 10, Encoding.UCS2)
    assert parts[0] == "a" * 66 and parts[1] == "😀" + "b" * 10  # the surrogate pair is not split


def test_one_non_gsm_character_makes_the_whole_message_ucs2():
    assert segment_info("a" * 100 + "á").encoding is Encoding.UCS2
    assert segment_info("a" * 100 + "á").segments == 2


def test_forced_encodings():
    assert choose_encoding("hello", Encoding.UCS2) is Encoding.UCS2
    with pytest.raises(EncodingError, match="'á😀'"):
        choose_encoding("má😀s", Encoding.GSM7)


def test_empty_text_is_one_segment():
    assert segment_info("").segments == 1


@given(GSM_TEXT)
def test_gsm_parts_rejoin_and_respect_limits(text):
    parts = split_parts(text, Encoding.GSM7)
    assert "".join(parts) == text
    cost = [sum(2 if c in GSM7_EXTENSION else 1 for c in p) for p in parts]
    limit = 160 if len(parts) == 1 else 153
    assert all(c <= limit for c in cost)
    assert segment_info(text).segments == len(parts)


@given(st.text(max_size=400))
def test_any_text_parts_rejoin_and_respect_limits(text):
    info = segment_info(text)
    parts = split_parts(text, info.encoding)
    assert "".join(parts) == text
    if info.encoding is Encoding.UCS2:
        units = [sum(2 if ord(c) > 0xFFFF else 1 for c in p) for p in parts]
        assert all(u <= (70 if len(parts) == 1 else 67) for u in units)
