"""Join phrases and introductions: whole words in any case, and never a crash on any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from personas.community import introduction_in, says_join


def test_whole_words_in_any_case():
    assert says_join("Can I JOIN?", ["join"]) and says_join("#join please", ["join"])
    assert not says_join("I joined a gym", ["join"]) and not says_join("rejoin", ["join"])
    assert says_join("please  let me\nin", ["let me in"])
    assert says_join("c++ fans (join)", ["c++ fans"])  # phrases are text, not patterns


def test_an_introduction_says_more_than_the_phrase():
    assert introduction_in("@we join!", ["join"]) is None
    assert introduction_in("hey, can I join the community?", ["join"]) is None
    said = introduction_in("@we I'd love to join, I'm a nurse from Utah", ["join"])
    assert said == "I'd love to join, I'm a nurse from Utah"


@given(st.text(), st.lists(st.text(min_size=1), min_size=1, max_size=3))
def test_any_text_and_phrase_is_answered(text, phrases):
    phrases = [" ".join(p.lower().split()) or "x" for p in phrases]
    assert isinstance(says_join(text, phrases), bool)
    intro = introduction_in(text, phrases)
    assert intro is None or intro.strip()


@given(st.lists(st.sampled_from(["join", "@we", "@you", "!", " ", "JOIN", "\n"]), max_size=12))
def test_only_phrases_and_mentions_are_never_an_introduction(parts):
    assert introduction_in("".join(parts), ["join"]) is None
