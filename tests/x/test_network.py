"""The X network through real tweepy over real HTTP to the front: every operation."""

from __future__ import annotations

import base64

import pytest

from personas.errors import NotFound

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                       "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def test_create_reply_quote_delete(logged_in):
    net, me, we = logged_in.network(), logged_in.persona("me"), logged_in.persona("we")
    sent = net.publish(me, kind="original", text="first morsel", target=None,
                       idempotency_key="k1")
    assert sent.url == f"https://x.com/Jesse/status/{sent.remote_id}"
    reply = net.publish(we, kind="reply", text="nice", target=sent.remote_id,
                        idempotency_key="k2")
    quote = net.publish(we, kind="quote", text="read this", target=sent.remote_id,
                        idempotency_key="k3")
    assert net.get_post(we, reply.remote_id).in_reply_to == sent.remote_id
    assert net.get_post(we, quote.remote_id).quote_of == sent.remote_id
    assert net.get_post(we, reply.remote_id).author_private is True
    with pytest.raises(NotFound):  # a protected account's post, not followed by me
        net.get_post(me, reply.remote_id)
    net.delete(we, quote.remote_id)
    assert [p.id for p in net.timeline(we)] == [reply.remote_id]


def test_repost_and_undo(logged_in):
    net, me, you = logged_in.network(), logged_in.persona("me"), logged_in.persona("you")
    original = net.publish(me, kind="original", text="share me", target=None,
                           idempotency_key="k1")
    repost = net.publish(you, kind="repost", text="", target=original.remote_id,
                         idempotency_key="k2")
    assert repost.remote_id != original.remote_id
    [mine] = net.timeline(you)
    assert (mine.kind, mine.repost_of) == ("repost", original.remote_id)
    net.undo_repost(you, original.remote_id)
    assert net.timeline(you) == []


def test_follow_unfollow_and_pending_for_protected(logged_in):
    net, me, you = logged_in.network(), logged_in.persona("me"), logged_in.persona("you")
    followed = net.follow(you, "Jesse")
    assert (followed.following, followed.pending) == (True, False)
    pending = net.follow(you, "JesseStay")
    assert (pending.following, pending.pending) == (False, True)
    assert [a.handle for a in net.followers(me).accounts] == ["JessesLinks"]
    assert [a.handle for a in net.following(you).accounts] == ["Jesse"]
    net.unfollow(you, "Jesse")
    assert net.following(you).accounts == []
    assert net.incoming_requests(logged_in.persona("we")) == [
        str(logged_in.front.store.account("JessesLinks").id)]


def test_followers_pages_newest_first(logged_in):
    store = logged_in.front.store
    for i in range(7):
        store.ensure_account(f"fan{i}")
        store.follow(f"fan{i}", "JessesLinks")
    net, you = logged_in.network(), logged_in.persona("you")
    first = net.followers(you, limit=3)
    assert [a.handle for a in first.accounts] == ["fan6", "fan5", "fan4"]
    second = net.followers(you, page_token=first.next_token, limit=3)
    third = net.followers(you, page_token=second.next_token, limit=3)
    assert [a.handle for a in second.accounts + third.accounts] == [
        "fan3", "fan2", "fan1", "fan0"]
    assert third.next_token is None


def test_me_lookup_mentions_metrics_and_messages(logged_in):
    store = logged_in.front.store
    net, we = logged_in.network(), logged_in.persona("we")
    assert net.me(we).handle == "JesseStay" and net.me(we).protected is True
    assert net.account(we, "@Jesse").handle == "Jesse"
    own = net.publish(we, kind="original", text="hello members", target=None,
                      idempotency_key="k1")
    store.ensure_account("ana")
    store.follow("ana", "JesseStay")
    store.db.execute("UPDATE follows SET state = 'active'")  # the owner approved ana
    store.publish("ana", kind="reply", text="hi!", target=int(own.remote_id),
                  idempotency_key=None)
    store.publish("ana", kind="original", text="@JesseStay can I join?", target=None,
                  idempotency_key=None)
    store.like(int(own.remote_id), 4)
    mentions = net.mentions(we)
    assert [(m.author, m.text) for m in mentions] == [("ana", "@JesseStay can I join?"),
                                                      ("ana", "hi!")]
    assert net.mentions(we, since_id=mentions[1].id)[0].text == "@JesseStay can I join?"
    [metrics] = net.recent_posts(we)
    assert (metrics.likes, metrics.replies, metrics.impressions) == (4, 1, 40)
    event = net.send_message(we, "ana", "welcome! tell us about yourself")
    assert event and store.messages("ana") == [("JesseStay", "welcome! tell us about yourself",
                                                store.messages("ana")[0][2])]


def test_media_upload_with_alt_text(logged_in, tmp_path):
    picture = tmp_path / "picture.png"
    picture.write_bytes(PNG)
    net, me = logged_in.network(), logged_in.persona("me")
    media_id = net.upload_media(me, str(picture), alt_text="a single pixel")
    sent = net.publish(me, kind="original", text="look", target=None, idempotency_key="k",
                       media_ids=(media_id,))
    assert sent.remote_id
    row = logged_in.front.store.db.execute("SELECT alt_text FROM media WHERE id = ?",
                                           (int(media_id),)).fetchone()
    assert row == ("a single pixel",)


def test_post_with_images_and_alt_text_through_the_cli(logged_in, cli, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    first.write_bytes(PNG)
    second.write_bytes(PNG)
    result = cli("--config", str(logged_in.config), "post", "two pictures", "--media",
                 str(first), "--alt", "the first", "--media", str(second), "--json")
    assert result.code == 0, result.err
    store = logged_in.front.store
    rows = store.db.execute("SELECT alt_text FROM media ORDER BY id").fetchall()
    assert rows == [("the first",), ("",)]
    assert store.timeline("Jesse")[0].text == "two pictures"


@pytest.mark.parametrize(("args", "error"), [
    (["--media", "missing.png"], "missing.png: no such file; check the --media path"),
    (["--media", "text.png"], "text.png: not a PNG, JPEG, GIF or WebP image"),
    (["--alt", "no image"], "--alt describes an image: give the image with --media FILE"),
    (["--media", "a.png"] * 5, "5 images: a post takes at most 4"),
    (["--media", "a.png", "--alt", "x", "--alt", "y"], "2 --alt for 1 image(s)"),
])
def test_bad_images_are_refused_before_anything_is_stored(logged_in, cli, tmp_path,
                                                           args, error):
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "text.png").write_text("not an image")
    result = cli("--config", str(logged_in.config), "post", "pictures", *args)
    assert result.code == 2
    assert result.err.startswith("persona: ") and error in result.err
    assert result.err.count("\n") == 1
    assert logged_in.front.store.timeline("Jesse") == []


def test_images_on_a_sandbox_persona_are_refused(cli, tmp_path):
    (tmp_path / "a.png").write_bytes(PNG)
    result = cli("post", "picture", "--media", "a.png")
    assert result.code == 2
    assert "images need an X network; persona 'me' is on sandbox (sandbox)" in result.err


def test_an_image_gone_before_sending_fails_the_item_clearly(logged_in, tmp_path):
    from personas.errors import RemoteRefused

    net, me = logged_in.network(), logged_in.persona("me")
    with pytest.raises(RemoteRefused, match="is gone"):
        net.publish(me, kind="original", text="t", target=None, idempotency_key="k",
                    media=[{"path": str(tmp_path / "gone.png"), "alt": ""}])


def test_metrics_and_follower_counts_for_reports(logged_in):
    from datetime import UTC, datetime, timedelta

    network, me = logged_in.network(), logged_in.persona("me")
    sent = network.publish(me, kind="original", text="measured", target=None,
                           idempotency_key="m1")
    logged_in.front.store.like(int(sent.remote_id), 4)
    since = datetime.now(UTC) - timedelta(hours=1)
    [stats] = network.post_metrics(me, since)
    assert (stats.id, stats.kind, stats.likes) == (sent.remote_id, "original", 4)
    assert network.post_metrics(me, datetime.now(UTC) + timedelta(hours=1)) == []
    logged_in.front.store.ensure_account("fan")
    logged_in.front.store.follow("fan", "Jesse")
    counts = network.account_counts(me)
    assert counts.followers == 1 and counts.following == 0


def test_metrics_read_every_page_since_the_start_not_only_the_newest_100(logged_in):
    import time
    from datetime import UTC, datetime, timedelta

    store = logged_in.front.store
    logged_in.front.limits["create_post"] = 1_000  # a history, not 15 minutes' worth
    store.clock = lambda: time.time() - 3600  # 80 posts of an hour ago ...
    for i in range(80):
        store.publish("Jesse", kind="original", text=f"old post {i}", target=None,
                      idempotency_key=None)
    store.clock = time.time  # ... and 230 of the last minutes
    since = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(230):
        store.publish("Jesse", kind="original", text=f"post number {i}", target=None,
                      idempotency_key=None)
    network, me = logged_in.network(), logged_in.persona("me")
    calls: list[str] = []
    client = network.client(me)
    client.session.hooks["response"].append(lambda r, *a, **k: calls.append(r.url))
    stats = network.post_metrics(me, since, limit=1000)
    assert len(stats) == 230 and len({s.id for s in stats}) == 230
    assert [s.created_at for s in stats] == sorted((s.created_at for s in stats), reverse=True)
    assert len(calls) == 3  # 100 + 100 + 30, X's most per page: the old posts are not read
    assert all("start_time=" in url for url in calls)
    calls.clear()
    assert len(network.post_metrics(me, since, limit=150)) == 150
    assert len(calls) == 2 and "max_results=50" in calls[1]  # only what is still wanted


def test_metrics_keep_the_pages_read_when_the_rate_limit_stops_the_reading(logged_in):
    from datetime import UTC, datetime, timedelta

    from personas.errors import RateLimited

    store = logged_in.front.store
    logged_in.front.limits["create_post"] = 1_000
    since = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(150):
        store.publish("Jesse", kind="original", text=f"post number {i}", target=None,
                      idempotency_key=None)
    logged_in.front.limits["user_posts"] = 1  # one read per 15 minutes, as on some levels
    network, me = logged_in.network(), logged_in.persona("me")
    stats = network.post_metrics(me, since, limit=1000)
    assert len(stats) == 100  # the newest page; the next sync reads on
    with pytest.raises(RateLimited):  # nothing read at all: that is said
        network.post_metrics(me, since, limit=1000)


def test_report_engagement_by_kind_uses_the_items_own_kind(logged_in, cli):
    config = str(logged_in.config)
    assert cli("--config", config, "post", "https://other.example.org/essay worth it").code == 0
    assert cli("--config", config, "sync", "metrics").code == 0
    report = cli("--config", config, "report", "--format", "json").json()
    assert set(report["personas"]["you"]["engagement"]["by_kind"]) == {"link"}
