"""On X, a private persona's post in any spelling of its address stays private: through
the CLI, against the front, with X's own host aliases."""

from __future__ import annotations

import pytest

from tests.cli.test_bad_input import one_line

SPELLINGS = [
    "https://x.com:443/JesseStay/status/{id}",
    "https://x.com./JesseStay/status/{id}",
    "https://m.x.com/JesseStay/status/{id}",
    "https://mobile.x.com/JesseStay/status/{id}",
    "https://www.x.com/JesseStay/status/{id}",
    "https://twitter.com/JesseStay/status/{id}",
    "https://mobile.twitter.com/jessestay/status/{id}",
    "https://a@x.com/JesseStay/status/{id}",
    "https://x.com/%4AesseStay/status/{id}",
    "https://x.com//JesseStay//status//{id}",
    "https://x.com/JesseStay/status/0{id}",
    "https://x.com/JesseStay/status/{id}%3F",
    "https://x.com/JesseStay/status/{id}\u200b",
    "https://x.com/i/web/status/{id}",
    "https://twitter.com/#!/JesseStay/status/{id}",
    "https://fxtwitter.com/JesseStay/status/{id}",
    "x.com/JesseStay/status/{id}",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_a_private_x_post_goes_out_publicly(logged_in, cli, spelling):
    config = str(logged_in.config)
    made = cli("--config", config, "post", "--as", "we", "members only", "--json")
    assert made.code == 0, made.err
    text = "see " + spelling.format(id=made.json()["remote_id"])
    r = cli("--config", config, "post", "--as", "you", text)
    assert r.code == 2, r.out
    assert "public persona; the item carries private content" in one_line(r.err)
    assert logged_in.front.store.timeline("JessesLinks") == []
    assert cli("--config", config, "route", "--json", text).json()["persona"] == "we"
