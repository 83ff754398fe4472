"""The front's v2 media upload, spoken to as a bare HTTP client: X's shapes and schemas, the
segments put together in index order, and every limit X sets refused with a 400."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest

from tests.x.api import check_openapi, signed_session
from tests.x.test_media import MB, PNG, mp4

API = "https://api.twitter.com"


@pytest.fixture
def session(x_env, monkeypatch):  # type: ignore[no-untyped-def]
    """Jesse's signed session; the front processes videos at once unless a test says."""
    from personas.sandbox.x_media import Media

    monkeypatch.setattr(Media, "processing", 0.0)  # restored after the test, whatever it sets
    tokens = x_env.issue("Jesse")
    return signed_session(x_env.front.url, x_env.consumer, tokens.access_token,
                          tokens.access_token_secret)


def _init(session, size: int, media_type: str = "video/mp4", **extra):  # type: ignore[no-untyped-def]
    return session.post(f"{API}/2/media/upload/initialize", json={
        "media_type": media_type, "total_bytes": size, **extra})


def _append(session, media_id: str, index: object, data: bytes):  # type: ignore[no-untyped-def]
    return session.post(f"{API}/2/media/upload/{media_id}/append",
                        data={"segment_index": str(index)},
                        files={"media": ("blob", data, "application/octet-stream")})


def _finalize(session, media_id: str):  # type: ignore[no-untyped-def]
    return session.post(f"{API}/2/media/upload/{media_id}/finalize")


def _digest(front, media_id: str) -> str:
    return front.store.db.execute("SELECT sha256 FROM media WHERE id = ?",
                                  (int(media_id),)).fetchone()[0]


def _refused(response, parameter: str, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["title"] == "Invalid Request"
    assert list(body["errors"][0]["parameters"]) == [parameter]
    assert words in body["errors"][0]["message"]


def test_answers_validate_against_x_openapi_schemas(x_env, session):
    from personas.sandbox.x_media import Media

    image = session.post(f"{API}/2/media/upload", data={"media_category": "tweet_image"},
                         files={"media": ("a.png", PNG, "image/png")})
    as_json = session.post(f"{API}/2/media/upload", json={
        "media": base64.b64encode(PNG).decode(), "media_category": "tweet_image"})
    clip = mp4(3000)
    init = _init(session, len(clip), media_category="tweet_video")
    media_id = init.json()["data"]["id"]
    append = _append(session, media_id, 0, clip)
    Media.processing = 30.0
    finalize = _finalize(session, media_id)
    status = session.get(f"{API}/2/media/upload", params={"media_id": media_id,
                                                          "command": "STATUS"})
    alt = session.post(f"{API}/2/media/metadata", json={
        "id": media_id, "metadata": {"alt_text": {"text": "a clip"}}})
    cases = [("/2/media/upload", "post", image), ("/2/media/upload", "post", as_json),
             ("/2/media/upload/initialize", "post", init),
             ("/2/media/upload/{id}/append", "post", append),
             ("/2/media/upload/{id}/finalize", "post", finalize),
             ("/2/media/upload", "get", status), ("/2/media/metadata", "post", alt)]
    for path, method, response in cases:
        assert response.status_code == 200, (path, response.text)
        check_openapi(path, method, 200, response.json())
        assert "x-rate-limit-remaining" in response.headers
    data = image.json()["data"]
    assert data["media_key"] == f"3_{data['id']}" and data["image"]["image_type"] == "image/png"
    assert init.json()["data"]["media_key"] == f"7_{media_id}"
    assert finalize.json()["data"]["processing_info"]["state"] == "pending"
    assert status.json()["data"]["processing_info"]["state"] == "in_progress"
    assert alt.json()["data"] == {"id": media_id,
                                  "associated_metadata": {"alt_text": {"text": "a clip"}}}
    # not processed yet: a post cannot take it
    early = session.post(f"{API}/2/tweets", json={"text": "too soon",
                                                  "media": {"media_ids": [media_id]}})
    _refused(early, "media.media_ids", "is not processed (not yet)")


def test_segments_are_put_together_in_index_order(x_env, session):
    clip = mp4(10_000, seed=3)
    parts = [clip[:4000], clip[4000:8000], clip[8000:]]
    media_id = _init(session, len(clip)).json()["data"]["id"]
    for index in (2, 0, 1):  # any order; the index says where each goes
        assert _append(session, media_id, index, parts[index]).status_code == 200
    assert _append(session, media_id, 1, parts[1]).status_code == 200  # a retry replaces it
    done = _finalize(session, media_id)
    assert done.status_code == 200, done.text
    assert done.json()["data"]["size"] == len(clip)
    assert _digest(x_env.front, media_id) == hashlib.sha256(clip).hexdigest()
    again = _finalize(session, media_id)  # a finalize whose answer was lost, sent again
    assert again.status_code == 200 and again.json()["data"]["id"] == media_id
    _refused(_append(session, media_id, 3, b"more"), "id", "is finalized")
    posted = session.post(f"{API}/2/tweets", json={"text": "a clip",
                                                   "media": {"media_ids": [media_id]}})
    assert posted.status_code == 201, posted.text


def test_a_gap_a_short_upload_and_oversized_segments_are_refused(x_env, session):
    from personas.sandbox.x_media import MAX_SEGMENT

    clip = mp4(9000)
    gap = _init(session, len(clip)).json()["data"]["id"]
    _append(session, gap, 0, clip[:3000])
    _append(session, gap, 2, clip[6000:])
    _refused(_finalize(session, gap), "segment_index", "Segment(s) [1]")
    short = _init(session, len(clip)).json()["data"]["id"]
    _append(session, short, 0, clip[:3000])
    _refused(_finalize(session, short), "total_bytes", "add up to 3000 bytes, not the")
    over = _init(session, len(clip)).json()["data"]["id"]
    _append(session, over, 0, clip)
    _refused(_append(session, over, 1, b"x"), "media", "more than the `total_bytes` of 9000")
    big = _init(session, 20 * MB).json()["data"]["id"]
    _refused(_append(session, big, 0, bytes(MAX_SEGMENT + 1)), "media",
             f"a segment takes at most {MAX_SEGMENT}")
    assert _append(session, big, 0, bytes(MAX_SEGMENT)).status_code == 200
    for index in (1000, -1, "one", ""):
        _refused(_append(session, big, index, b"x"), "segment_index", "is not between 0 and 999")
    _refused(_append(session, big, 1, b""), "media", "is required")


def test_what_initialize_and_the_one_shot_upload_refuse(x_env, session):
    _refused(_init(session, 1000, media_type="application/zip"), "media_type", "not supported")
    _refused(_init(session, 0), "total_bytes", "not a positive integer")
    _refused(_init(session, 512 * MB + 1), "total_bytes", "over the limit of 536870912")
    _refused(_init(session, 15 * MB + 1, "image/gif"), "total_bytes", "for tweet_gif")
    _refused(_init(session, 100, media_category="tweet_sticker"), "media_category", "not valid")
    _refused(_init(session, 100, segments=3), "segments", "Unknown field(s): segments")
    one_shot = session.post(f"{API}/2/media/upload", data={"media_category": "tweet_image"},
                            files={"media": ("a.mp4", mp4(2000), "video/mp4")})
    _refused(one_shot, "media", "Unsupported image format")
    video_in_one = session.post(f"{API}/2/media/upload", data={"media_category": "tweet_video"},
                                files={"media": ("a.png", PNG, "image/png")})
    _refused(video_in_one, "media_category", "goes up in segments")
    no_category = session.post(f"{API}/2/media/upload", files={"media": ("a.png", PNG)})
    _refused(no_category, "media_category", "is not one of tweet_image")
    too_big = session.post(f"{API}/2/media/upload", data={"media_category": "tweet_image"},
                           files={"media": ("a.png", PNG + bytes(5 * MB))})
    _refused(too_big, "media", "the limit is 5242880")


def test_media_belong_to_who_uploaded_them_and_a_video_goes_alone(x_env, session):
    image = session.post(f"{API}/2/media/upload", data={"media_category": "tweet_image"},
                         files={"media": ("a.png", PNG)}).json()["data"]["id"]
    clip = mp4(2000)
    video = _init(session, len(clip)).json()["data"]["id"]
    _append(session, video, 0, clip)
    _finalize(session, video)
    both = session.post(f"{API}/2/tweets", json={"text": "both",
                                                 "media": {"media_ids": [image, video]}})
    _refused(both, "media.media_ids", "a GIF or video goes alone")
    tokens = x_env.issue("JessesLinks")
    other = signed_session(x_env.front.url, x_env.consumer, tokens.access_token,
                           tokens.access_token_secret)
    _refused(_append(other, video, 1, b"x"), "id", "is not a media id of yours")
    _refused(other.post(f"{API}/2/media/metadata", json={"id": image, "metadata": {}}), "id",
             "is not a media id of yours")
    theirs = other.post(f"{API}/2/tweets", json={"text": "not mine",
                                                 "media": {"media_ids": [image]}})
    _refused(theirs, "media.media_ids", f"Your media IDs are invalid: {image}")
    long_alt = session.post(f"{API}/2/media/metadata", json={
        "id": image, "metadata": {"alt_text": {"text": "x" * 1001}}})
    _refused(long_alt, "metadata.alt_text.text", "at most 1000 characters")


def test_a_failed_processing_says_why_in_x_problem_shape(x_env, session):
    from personas.sandbox.x_media import Media

    Media.processing = 0.2
    clip = mp4(2000, playable=False)
    media_id = _init(session, len(clip)).json()["data"]["id"]
    _append(session, media_id, 0, clip)
    assert _finalize(session, media_id).json()["data"]["processing_info"]["state"] == "pending"
    import time

    time.sleep(0.3)
    status = session.get(f"{API}/2/media/upload", params={"media_id": media_id,
                                                          "command": "STATUS"})
    check_openapi("/2/media/upload", "get", 200, status.json())
    assert status.json()["data"]["processing_info"]["state"] == "failed"
    assert "no moov box" in status.json()["errors"][0]["detail"]
    posted = session.post(f"{API}/2/tweets", json={"text": "broken",
                                                   "media": {"media_ids": [media_id]}})
    _refused(posted, "media.media_ids", "is not processed (failed)")


def test_the_v1_upload_is_no_longer_served(x_env, session):
    for path in ("/1.1/media/upload.json", "/1.1/media/metadata/create.json"):
        answer = session.post(f"https://upload.twitter.com{path}",
                              files={"media": ("a.png", PNG)})
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["code"] == 34
    assert x_env.front.store.db.execute("SELECT count(*) FROM media").fetchone() == (0,)


def test_a_sandbox_made_before_the_v2_upload_gains_its_columns(tmp_path):
    """The media table of an older sandbox database (five columns) is extended in place."""
    import sqlite3

    from personas.sandbox.front import Front

    path = tmp_path / "sandbox.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE media (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, "
                "size INTEGER NOT NULL, alt_text TEXT NOT NULL DEFAULT '', "
                "created_at REAL NOT NULL)")
    old.execute("INSERT INTO media VALUES (7, 1, 68, 'old', 0)")
    old.commit()
    old.close()
    front = Front(path)
    row = front.store.db.execute("SELECT alt_text, state, category FROM media").fetchone()
    assert row == ("old", "succeeded", "tweet_image")
    front.server.server_close()


def test_random_segment_orders_always_reassemble(x_env, session):
    clip = mp4(40_000, seed=5)
    rng = random.Random(7)
    for _ in range(5):
        size = rng.randint(1000, 9000)
        parts = [clip[i:i + size] for i in range(0, len(clip), size)]
        order = list(range(len(parts)))
        rng.shuffle(order)
        media_id = _init(session, len(clip)).json()["data"]["id"]
        for index in order:
            assert _append(session, media_id, index, parts[index]).status_code == 200
        assert _finalize(session, media_id).status_code == 200
        assert _digest(x_env.front, media_id) == hashlib.sha256(clip).hexdigest()


def test_a_fault_after_n_requests_fails_the_upload_midway(x_env, session):
    """`--fault ...,after=N`: the first N matching requests are answered, then it fails."""
    from personas.cli.sandbox import _fault

    spec = _fault("status=503,path=/2/media/upload/,after=2,times=1")
    assert spec == {"status": 503, "path": "/2/media/upload/", "after": 2, "times": 1}
    x_env.front.inject(**spec)
    clip = mp4(3000)
    media_id = _init(session, len(clip)).json()["data"]["id"]  # 1
    assert _append(session, media_id, 0, clip[:1000]).status_code == 200  # 2
    assert _append(session, media_id, 1, clip[1000:2000]).status_code == 503
    assert _append(session, media_id, 1, clip[1000:2000]).status_code == 200
