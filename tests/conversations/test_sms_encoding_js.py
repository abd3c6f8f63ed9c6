"""The composer's counter (static/js/sms-encoding.js, run in Chromium) says what
providers/encoding.py says, on many strings: GSM-7 basic and extension characters, accents,
emoji outside the Basic Multilingual Plane, long texts around every segment boundary, and a
provider forced to GSM-7 or UCS-2."""

from __future__ import annotations

import random

from providers.encoding import GSM7_BASIC, GSM7_EXTENSION, EncodingError, segment_info
from tests.conftest import ROOT

ALPHABETS = [
    "".join(sorted(GSM7_BASIC)),
    "".join(sorted(GSM7_EXTENSION)),
    "áíóúÁÍÓÚçâêô",  # outside GSM-7 (UCS-2)
    "😀🖐️👍🏽🇺🇾",  # outside the BMP, with joiners and selectors
    "中文ΩЖ\t",
]


def samples() -> list[str]:
    rng = random.Random(12)
    texts = ["", "a", "€", "😀", "{" * 80, "x" * 160, "x" * 161, "é" * 70, "é" * 71, "😀" * 35]
    texts += ["a" * n + "^" for n in (151, 152, 153, 158, 159, 305, 306)]
    texts += ["é" * n + "😀" for n in (65, 66, 67, 68, 133, 134)]
    for _ in range(400):
        weights = [rng.random() for _ in ALPHABETS]
        pool = "".join(a * max(1, int(w * 10)) for a, w in zip(ALPHABETS, weights, strict=True))
        if rng.random() < 0.6:
            pool = ALPHABETS[0] * 3 + ALPHABETS[1]  # mostly GSM-7 texts, as most SMS are
        texts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 500))))
    return texts


def python_answer(text: str, configured: str) -> dict:
    try:
        info = segment_info(text, configured)
    except EncodingError:
        return {"error": True}
    return {"encoding": str(info.encoding), "segments": info.segments, "units": info.units}


def test_the_browser_counts_segments_as_the_providers_do(browser) -> None:
    script = (ROOT / "static" / "js" / "sms-encoding.js").read_text()
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_content("<html><body></body></html>")
        tab.add_script_tag(content=script)
        texts = samples()
        for configured in ("auto", "GSM7", "UCS2"):
            got = tab.evaluate(
                """([texts, configured]) => texts.map(t => {
                    const i = window.ccSms.segmentInfo(t, configured);
                    return i.error ? {error: true}
                                   : {encoding: i.encoding, segments: i.segments, units: i.units};
                })""",
                [texts, configured],
            )
            expected = [python_answer(t, configured) for t in texts]
            wrong = [(t[:40], g, e) for t, g, e in zip(texts, got, expected, strict=True) if g != e]
            assert not wrong, f"{configured}: {len(wrong)} differ, e.g. {wrong[:3]}"
        assert len(texts) > 400
    finally:
        context.close()
