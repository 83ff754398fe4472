"""router.text against X's own twitter-text conformance vectors (tests/data/twitter-text/)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from router import _tlds, text

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "twitter-text"


def _groups(name: str) -> dict[str, list[dict]]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["tests"]


VALIDATE = _groups("validate.yml")
EXTRACT = _groups("extract.yml")
TLDS = _groups("tlds.yml")


def cases(*groups: list[dict]) -> pytest.MarkDecorator:
    """Parametrize over conformance cases, named by their description."""
    selected = [case for group in groups for case in group]
    return pytest.mark.parametrize("case", selected, ids=[case["description"] for case in selected])


def _code_points_through(text_: str, utf16_index: int) -> int:
    """How many code points of ``text_`` start at or before a UTF-16 index: twitter-text's
    inclusive UTF-16 ``validRangeEnd`` as router.text's exclusive code-point ``valid_end``."""
    count = offset = 0
    for char in text_:
        if offset > utf16_index:
            break
        count += 1
        offset += 2 if ord(char) > 0xFFFF else 1
    return count


# --- Weighted length (config v3) ------------------------------------------------------------


@cases(
    VALIDATE["WeightedTweetsWithDiscountedEmojiCounterTest"],
    VALIDATE["UnicodeDirectionalMarkerCounterTest"],
)
def test_parse(case: dict) -> None:
    expected = case["expected"]
    parsed = text.parse(case["text"])
    assert parsed.weighted_length == expected["weightedLength"]
    assert parsed.valid is expected["valid"]
    assert parsed.permillage == expected["permillage"]
    assert parsed.valid_end == _code_points_through(case["text"], expected["validRangeEnd"])
    assert text.weighted_length(case["text"]) == expected["weightedLength"]
    assert text.is_valid_length(case["text"]) is expected["valid"]


@pytest.mark.parametrize(
    ("post", "weight", "valid"),
    [
        ("", 0, False),
        (" ", 1, True),  # twitter-text only refuses a weight of 0
        ("x" * 280, 280, True),
        ("x" * 281, 281, False),
        ("\u00a9", 1, True),  # © alone is text, not an emoji
        ("\u00a9\ufe0f", 2, True),
        ("\u2764\ufe0f", 2, True),  # one emoji, though two code points
        ("\U0001f1eb\U0001f1f7", 2, True),  # a flag
        ("e\u0301", 1, True),  # NFC makes one character of two
        ("see https://example.com/" + "a" * 500, 27, True),
        ("abc\ufeff", 5, False),
    ],
)
def test_weighted_length_edges(post: str, weight: int, valid: bool) -> None:
    assert text.weighted_length(post) == weight
    assert text.is_valid_length(post) is valid


@given(st.text(st.characters(max_codepoint=0x10FF, exclude_categories=("Cs",)), max_size=60),
       st.integers(1, 12))
def test_text_within_the_first_range_is_counted_as_the_loop_counts_it(piece: str,
                                                                      times: int) -> None:
    # parse() counts such text at once; the loop it skips must come to the same answer, on
    # either side of the limit
    post = piece * times
    slow = text._CHEAP_END
    try:
        text._CHEAP_END = "\0"
        looped = text.parse(post)
    finally:
        text._CHEAP_END = slow
    assert text.parse(post) == looped


def test_weights_follow_config_v3() -> None:
    config = json.loads((DATA / "config-v3.json").read_text(encoding="utf-8"))
    assert text.MAX_WEIGHTED_LENGTH == config["maxWeightedTweetLength"]
    assert text._SCALE == config["scale"]
    assert text._DEFAULT_WEIGHT == config["defaultWeight"]
    assert text._URL_WEIGHT == config["transformedURLLength"] * config["scale"]
    assert config["emojiParsingEnabled"] is True
    ranges = tuple((r["start"], r["end"], r["weight"]) for r in config["ranges"])
    assert text._WEIGHT_RANGES == ranges


# --- URL extraction -------------------------------------------------------------------------


@cases(EXTRACT["urls"], EXTRACT["tco_urls_with_params"])
def test_extract_urls(case: dict) -> None:
    assert text.extract_urls(case["text"]) == case["expected"]


def test_extract_urls_on_every_known_tld() -> None:
    # tlds.yml: one case per TLD; checked in one test, as 1,574 tests would be slow.
    tld_cases = TLDS["country"] + TLDS["generic"]
    wrong = [case for case in tld_cases if text.extract_urls(case["text"]) != case["expected"]]
    assert wrong == []


@cases(EXTRACT["urls_with_indices"], EXTRACT["urls_with_directional_markers"])
def test_extract_urls_with_indices(case: dict) -> None:
    expected = [(url["url"], *url["indices"]) for url in case["expected"]]
    assert text.extract_urls_with_indices(case["text"]) == expected


# --- URL validation -------------------------------------------------------------------------


@cases(VALIDATE["urls"])
def test_is_valid_url(case: dict) -> None:
    assert text.is_valid_url(case["text"]) is case["expected"]


@cases(VALIDATE["urls_without_protocol"])
def test_is_valid_url_without_protocol(case: dict) -> None:
    assert text.is_valid_url(case["text"], require_protocol=False) is case["expected"]


# --- Generated TLD module -------------------------------------------------------------------


def test_tld_module_matches_tlds_yml() -> None:
    def tlds(group: str) -> frozenset[str]:
        return frozenset(case["text"].removeprefix("https://twitter.") for case in TLDS[group])

    assert _tlds.GENERIC_TLDS == tlds("generic")
    assert _tlds.COUNTRY_TLDS == tlds("country")
    assert _tlds.MAX_TLD_LENGTH == max(map(len, _tlds.GENERIC_TLDS | _tlds.COUNTRY_TLDS))


def test_tld_module_is_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("gen_tlds", ROOT / "tools" / "gen_tlds.py")
    assert spec is not None and spec.loader is not None
    gen_tlds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_tlds)
    generated = gen_tlds.render(*gen_tlds.tlds_from(TLDS))
    assert (ROOT / "router" / "_tlds.py").read_text(encoding="utf-8") == generated, (
        "router/_tlds.py is stale: run python tools/gen_tlds.py"
    )


# --- Lazy emoji -----------------------------------------------------------------------------


def test_every_emoji_sequence_holds_a_mark() -> None:
    """The emoji package is skipped for text without a mark; that must lose no emoji."""
    import emoji

    unmarked = [
        seq
        for seq in emoji.EMOJI_DATA
        if len(seq) > 1 and text._EMOJI_SEQUENCE_MARKS.isdisjoint(seq)
    ]
    assert unmarked == []


def test_plain_text_imports_neither_emoji_nor_yaml() -> None:
    script = (
        "import sys\n"
        "from router.text import weighted_length\n"
        "assert weighted_length('Caf\u00e9 \u00a9 \u4e2d\u6587 \U0001f600 https://x.com/a') == 38\n"
        "print(sorted({'emoji', 'yaml'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
