"""A scripted sandbox story with known counts, told through the CLI where a command exists
and through `personas.activity.record` for actions no command produces yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

SECRET_POST = "Members-only hello, friends"
SECRET_REPLY = "Quiet reply inside the community"
SECRET_INTRO = "Hi, I am Ana from Lisbon (intro words)"
SECRET_DM = "Psst, a direct message body"


@dataclass
class Story:
    ids: dict[str, str]


def _sent(cli: Any, *args: str) -> str:
    r = cli(*args, "--json")
    assert r.code == 0, r.err
    return r.json()["remote_id"] if "remote_id" in r.json() else r.json()["id"]


def _ok(cli: Any, *args: str) -> Any:
    r = cli(*args, "--json")
    assert r.code == 0, r.err
    return r.json()


def _record_the_rest() -> None:
    """Follows, the community and DMs: written as their commands will write them."""
    from personas import activity as act
    from personas import db

    with db.session() as s:
        for handle, back in (("bob", True), ("cy", True), ("dee", False)):
            act.record(s, "you", act.FOLLOWED, subject=handle, detail={"back": back})
        act.record(s, "you", act.UNFOLLOWED, subject="dee")
        act.record(s, "you", act.DM_SENT, subject="bob", detail={"text": SECRET_DM})
        for handle in ("ana", "eve", "fay", "gus"):
            act.record(s, "we", act.REQUEST_RECEIVED, subject=handle)
        for handle in ("ana", "eve", "fay"):
            act.record(s, "we", act.APPROVED, subject=handle)
        act.record(s, "we", act.DENIED, subject="gus")
        for handle in ("ana", "eve"):
            act.record(s, "we", act.INTRODUCTION_RECEIVED, subject=handle,
                       detail={"text": SECRET_INTRO, "words": 9})
        act.record(s, "me", act.REFUSED, kind="link",
                   detail={"reason": "links only to its own domains"})
        s.commit()


@pytest.fixture
def story(cli, persona_home) -> Story:
    from personas.sandbox.store import Store

    ids: dict[str, str] = {}
    ids["ana"] = _ok(cli, "sandbox", "simulate", "mention", "you", "--handle", "ana",
                     "--text", "My essay is up")["id"]
    ids["me1"] = _sent(cli, "post", "Morsel one")
    ids["me2"] = _sent(cli, "post", "Morsel two")
    ids["link"] = _sent(cli, "post", "Worth reading: https://other.example.org/essay")
    ids["repost"] = _sent(cli, "repost", ids["ana"])
    ids["quote"] = _sent(cli, "post", f"So true https://sandbox.invalid/ana/status/{ids['ana']}")
    ids["reply"] = _sent(cli, "reply", ids["ana"], SECRET_REPLY)
    ids["we1"] = _sent(cli, "post", "--as", "we", SECRET_POST)
    for post, count in (("me1", 5), ("me2", 2), ("link", 3)):
        _ok(cli, "sandbox", "simulate", "like", ids[post], "--count", str(count))
    # Only members see the private persona's posts, so its likes come from inside.
    store = Store(persona_home / "sandbox.db")
    with store.write() as db:
        db.execute("UPDATE posts SET likes = 4, impressions = 40 WHERE id = ?", (ids["we1"],))
    store.close()
    _ok(cli, "sandbox", "simulate", "reply", ids["me1"], "--handle", "bob", "--text", "nice")
    _ok(cli, "sandbox", "simulate", "follow", "me", "--count", "2")
    _ok(cli, "sandbox", "simulate", "follow", "you", "--count", "4")
    _ok(cli, "sync", "metrics")
    # After the first snapshot: the report must use the latest one of each post.
    _ok(cli, "sandbox", "simulate", "like", ids["me1"], "--count", "1")
    _ok(cli, "sandbox", "simulate", "follow", "you", "--count", "3", "--seed", "1")
    _ok(cli, "sync", "metrics")
    _record_the_rest()
    return Story(ids)


from tests.storage.conftest import backend  # noqa: E402,F401  (sqlite, and real PostgreSQL)
