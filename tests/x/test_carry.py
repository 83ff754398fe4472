"""Carrying posts into the private persona on X, through tweepy against the front: as
reposts or quotes, once, and finished by the worker when X fails on the way."""

from __future__ import annotations

import pytest

from personas.networks.x.client import XNetwork


def _liked(logged_in, cli, text: str, likes: int) -> str:
    posted = cli("--config", str(logged_in.config), "post", text, "--json")
    assert posted.code == 0, posted.err
    post_id = posted.json()["remote_id"]
    logged_in.front.store.like(int(post_id), likes)
    return post_id


def test_best_posts_are_reposted_into_the_private_persona_once(logged_in, cli):
    config = str(logged_in.config)
    best = _liked(logged_in, cli, "A thought worth keeping", 15)
    _liked(logged_in, cli, "A passing thought", 1)
    done = cli("--config", config, "community", "import", "--json")
    assert done.code == 0, done.err
    [carried] = done.json()
    assert (carried["post_id"], carried["status"], carried["as"]) == (best, "carried", "repost")
    assert [p.repost_of for p in logged_in.front.store.timeline("JesseStay")] == [int(best)]
    assert cli("--config", config, "community", "import", "--json").json() == []


def test_a_carry_x_fails_is_kept_and_sent_by_the_worker(logged_in, cli, monkeypatch):
    monkeypatch.setattr(XNetwork, "backoff", 0.01)
    config = str(logged_in.config)
    best = _liked(logged_in, cli, "Worth carrying", 30)
    we_id = logged_in.front.store.account("JesseStay").id
    logged_in.front.inject(status=503, path=f"/2/users/{we_id}/retweets", times=3)
    done = cli("--config", config, "community", "import", "--json")
    assert done.code == 1
    assert done.json()[0]["status"] == "queued"
    assert logged_in.front.store.timeline("JesseStay") == []
    # the item waits in the outbox for its retry time; make it due now
    from sqlalchemy import update

    from personas import db
    from personas.models import OutboxItem

    with db.engine().begin() as conn:
        conn.execute(update(OutboxItem.__table__).values(next_attempt_at=None))  # type: ignore[attr-defined]
    assert cli("--config", config, "worker", "--once").code == 0
    assert [p.repost_of for p in logged_in.front.store.timeline("JesseStay")] == [int(best)]
    assert cli("--config", config, "community", "import", "--json").json() == []


@pytest.mark.parametrize("words", ["From @{handle}:", "Worth a second look"])
def test_quotes_on_x_are_never_identical_copies(logged_in, cli, write_config, words):
    text = logged_in.config.read_text() + (
        f'\n[personas.we.import]\ncarry_as = "quote"\nquote = "{words}"\n')
    config = str(write_config(text, "quoting.toml"))
    best = _liked(logged_in, cli, "My own words", 20)
    done = cli("--config", config, "community", "import", "--json")
    assert done.code == 0, done.err
    [quote] = logged_in.front.store.timeline("JesseStay")
    assert quote.quote_of == int(best) and quote.text != "My own words"
    assert quote.text.startswith(words.format(handle="Jesse") + " https://x.com/Jesse/status/")
