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
    # nested in another address's query, fragment or path, encoded once or twice
    "https://x.com/intent/tweet?url=https://x.com/JesseStay/status/{id}",
    "https://x.com/intent/tweet?url=https%3A%2F%2Fx.com%2FJesseStay%2Fstatus%2F{id}",
    "https://x.com/intent/tweet?url=https%253A%252F%252Fx.com%252FJesseStay%252Fstatus%252F{id}",
    "https://x.com/JessesLinks/status/{public}?ref=https://x.com/JesseStay/status/{id}",
    "https://x.com/JessesLinks/status/{public}#https://twitter.com/JesseStay/status/{id}",
    "https://publish.twitter.com/?url=https://twitter.com/JesseStay/status/{id}",
    # X's API, intent and embed spellings
    "https://api.x.com/2/tweets?ids={id}",
    "https://api.x.com/2/tweets?ids={public},{id}",
    "https://api.x.com/2/tweets/{id}",
    "https://api.twitter.com/1.1/statuses/show/{id}.json",
    "https://api.twitter.com/1.1/statuses/show.json?id={id}",
    "https://upload.twitter.com/1.1/statuses/show/{id}.json",
    "https://x.com/intent/retweet?tweet_id={id}",
    "https://x.com/intent/like?tweet_id={id}",
    "https://platform.twitter.com/embed/Tweet.html?id={id}",
    "https://cdn.syndication.twimg.com/tweet-result?id={id}",
    # the configured api_base (the loopback front) is one of X's hosts
    "{front}/2/tweets/{id}",
    "{front}/2/tweets?ids={id}",
    "https://other.example/?u={front}/2/tweets/{id}",
    # a tab or line break inside the address: a browser's URL parser drops it
    "https://x.com/JesseStay/sta\ttus/{id}",
    "https://x\n.com/JesseStay/status/{id}",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_a_private_x_post_goes_out_publicly(logged_in, cli, spelling):
    config = str(logged_in.config)
    made = cli("--config", config, "post", "--as", "we", "members only", "--json")
    assert made.code == 0, made.err
    public = made.json()["remote_id"]
    if "{public}" in spelling:
        shared = cli("--config", config, "post", "--as", "you", "https://other.example/a b",
                     "--json")
        public = shared.json()["remote_id"]
    before = logged_in.front.store.timeline("JessesLinks")
    text = "see " + spelling.format(id=made.json()["remote_id"], public=public,
                                    front=logged_in.front.url.rstrip("/"))
    r = cli("--config", config, "post", "--as", "you", text)
    assert r.code == 2, r.out
    assert "public persona; the item carries private content" in one_line(r.err)
    assert logged_in.front.store.timeline("JessesLinks") == before
    assert cli("--config", config, "route", "--json", text).json()["persona"] == "we"
