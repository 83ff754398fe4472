"""Images, GIFs and videos through X's API v2 upload, over real HTTP to the loopback front:
an image in one request, a video in segments put together again by the front, X's
processing waited for, alt text, and what happens when a file or the network is bad."""

from __future__ import annotations

import base64
import hashlib
import random
import struct
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from personas.errors import RemoteRefused
from tests.x.api import check_openapi_request, request_fields

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                       "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
MB = 1024 * 1024
# X's OpenAPI path for each request path the upload makes
SPEC_PATHS = [("/2/media/upload/", "/append", "/2/media/upload/{id}/append"),
              ("/2/media/upload/", "/finalize", "/2/media/upload/{id}/finalize")]


def box(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + name + payload


def mp4(size: int, *, playable: bool = True, seed: int = 1) -> bytes:
    """An MP4 file of `size` bytes: ftyp, moov (left out when not `playable`), then mdat."""
    head = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    if playable:
        head += box(b"moov", box(b"mvhd", bytes(100)))
    return head + box(b"mdat", random.Random(seed).randbytes(size - len(head) - 8))


class Requests:
    """What the persona's X client sent, and what it was answered, in order."""

    def __init__(self, net, persona) -> None:  # type: ignore[no-untyped-def]
        self.seen: list = []  # type: ignore[type-arg]
        net.client(persona).session.hooks["response"].append(
            lambda r, *a, **k: self.seen.append(r))

    def paths(self) -> list[tuple[str, str]]:
        return [(r.request.method, urlsplit(r.request.url).path) for r in self.seen]

    def media(self):  # type: ignore[no-untyped-def]
        return [r for r in self.seen if "/media" in r.request.url]


def spec_path(path: str) -> str:
    for head, tail, name in SPEC_PATHS:
        if path.startswith(head) and path.endswith(tail):
            return name
    return path


def check_against_openapi(responses) -> None:  # type: ignore[no-untyped-def]
    """Every request body persona sent and every answer the front gave, against X's
    description of the endpoint."""
    from tests.x.api import check_openapi

    for r in responses:
        path, method = spec_path(urlsplit(r.request.url).path), r.request.method
        if r.request.body:
            check_openapi_request(path, method, r.request)
        check_openapi(path, method, r.status_code, r.json())


def media_row(front, media_id: str) -> dict:  # type: ignore[type-arg]
    row = front.store.db.execute(
        "SELECT category, media_type, size, total_bytes, state, sha256, alt_text FROM media "
        "WHERE id = ?", (int(media_id),)).fetchone()
    return dict(zip(("category", "media_type", "size", "total_bytes", "state", "sha256",
                     "alt_text"), row, strict=True))


def attached(front, post_id: str) -> list[str]:
    rows = front.store.db.execute("SELECT media_id FROM post_media WHERE post_id = ? ORDER BY "
                                  "position", (int(post_id),)).fetchall()
    return [str(m) for (m,) in rows]


def test_an_image_goes_up_in_one_v2_request_with_its_alt_text(logged_in, tmp_path):
    picture = tmp_path / "picture.png"
    picture.write_bytes(PNG)
    net, me = logged_in.network(), logged_in.persona("me")
    sent_requests = Requests(net, me)
    sent = net.publish(me, kind="original", text="look", target=None, idempotency_key="k",
                       media=[{"path": str(picture), "alt": "a single pixel"}])
    assert sent_requests.paths() == [("POST", "/2/media/upload"), ("POST", "/2/media/metadata"),
                                     ("POST", "/2/tweets")]
    upload, metadata = sent_requests.media()
    assert request_fields(upload.request) == {"media": "<binary>",
                                              "media_category": "tweet_image"}
    assert upload.request.headers["content-type"].startswith("multipart/form-data")
    media_id = upload.json()["data"]["id"]
    assert upload.json()["data"]["media_key"] == f"3_{media_id}"
    assert request_fields(metadata.request) == {
        "id": media_id, "metadata": {"alt_text": {"text": "a single pixel"}}}
    check_against_openapi(sent_requests.media())
    row = media_row(logged_in.front, media_id)
    assert (row["category"], row["media_type"], row["alt_text"]) == (
        "tweet_image", "image/png", "a single pixel")
    assert row["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert attached(logged_in.front, sent.remote_id) == [media_id]


def test_a_video_goes_up_in_segments_and_the_front_puts_them_together(logged_in, tmp_path,
                                                                       monkeypatch):
    """9 MB in X's 4 MB segments: three appends, in order; X's processing is waited for
    (finalize says pending, the status in progress, then succeeded) before the post."""
    from personas.sandbox.x_media import Media

    monkeypatch.setattr(Media, "processing", 1.5)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(mp4(9 * MB + 12345))
    net, me = logged_in.network(), logged_in.persona("me")
    sent_requests = Requests(net, me)
    sent = net.publish(me, kind="original", text="watch this", target=None,
                       idempotency_key="k", media=[{"path": str(clip), "alt": "a short clip"}])
    paths = sent_requests.paths()
    media_id = sent_requests.media()[0].json()["data"]["id"]
    upload = f"/2/media/upload/{media_id}"
    polls = paths.count(("GET", "/2/media/upload"))
    assert paths == [("POST", "/2/media/upload/initialize"), ("POST", f"{upload}/append"),
                     ("POST", f"{upload}/append"), ("POST", f"{upload}/append"),
                     ("POST", f"{upload}/finalize"), *[("GET", "/2/media/upload")] * polls,
                     ("POST", "/2/media/metadata"), ("POST", "/2/tweets")]
    responses = sent_requests.media()
    assert request_fields(responses[0].request) == {
        "media_type": "video/mp4", "total_bytes": clip.stat().st_size,
        "media_category": "tweet_video"}
    appends = responses[1:4]
    assert [request_fields(r.request)["segment_index"] for r in appends] == [0, 1, 2]
    from personas.sandbox.front import _multipart

    segments = [_multipart(r.request.headers["content-type"], r.request.body)["media"]
                for r in appends]
    assert [len(s) for s in segments] == [4 * MB, 4 * MB, clip.stat().st_size - 8 * MB]
    states = [r.json()["data"]["processing_info"]["state"] for r in responses[4:4 + 1 + polls]]
    assert states[0] == "pending" and states[-1] == "succeeded"
    assert "in_progress" in states  # X said to look again after 1 s, and it was not done
    for poll in responses[5:5 + polls]:
        assert dict(parse_qsl(urlsplit(poll.request.url).query)) == {
            "media_id": media_id, "command": "STATUS"}
    check_against_openapi(responses)
    row = media_row(logged_in.front, media_id)
    assert row["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()  # reassembled
    assert (row["category"], row["size"], row["alt_text"]) == (
        "tweet_video", clip.stat().st_size, "a short clip")
    assert attached(logged_in.front, sent.remote_id) == [media_id]


def test_a_gif_goes_up_in_segments_as_tweet_gif(logged_in, tmp_path, monkeypatch):
    from personas.networks.x.media import Uploader
    from personas.sandbox.x_media import Media

    monkeypatch.setattr(Media, "processing", 0.0)
    monkeypatch.setattr(Uploader, "chunk", 1000)
    gif = tmp_path / "moving.gif"
    gif.write_bytes(b"GIF89a" + random.Random(2).randbytes(2500))
    net, me = logged_in.network(), logged_in.persona("me")
    sent_requests = Requests(net, me)
    sent = net.publish(me, kind="original", text="a gif", target=None, idempotency_key="k",
                       media=[{"path": str(gif), "alt": ""}])
    responses = sent_requests.media()
    assert request_fields(responses[0].request)["media_category"] == "tweet_gif"
    assert [p for p in sent_requests.paths() if p[1].endswith("/append")].__len__() == 3
    media_id = responses[0].json()["data"]["id"]
    assert responses[0].json()["data"]["media_key"] == f"16_{media_id}"
    assert media_row(logged_in.front, media_id)["sha256"] == \
        hashlib.sha256(gif.read_bytes()).hexdigest()
    assert attached(logged_in.front, sent.remote_id) == [media_id]
    check_against_openapi(responses)


def test_a_file_in_more_than_1000_segments_goes_in_fewer_larger_ones(logged_in, tmp_path,
                                                                    monkeypatch):
    """X's segment_index stops at 999: segments grow rather than the index overflow."""
    from personas.networks.x.media import Uploader
    from personas.sandbox.x_media import Media

    assert Uploader.max_segments == 1000
    monkeypatch.setattr(Media, "processing", 0.0)
    monkeypatch.setattr(Uploader, "chunk", 1)
    monkeypatch.setattr(Uploader, "max_segments", 120)  # X's 1,000, scaled to the test
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(mp4(2500))
    net, me = logged_in.network(), logged_in.persona("me")
    sent_requests = Requests(net, me)
    media_id = net.upload_media(me, str(clip))
    appends = [r for r in sent_requests.media() if r.request.url.endswith("/append")]
    assert len(appends) == 120  # 119 segments of 21 bytes (2,500 / 120, up), and 1 byte
    assert request_fields(appends[-1].request)["segment_index"] == 119
    assert media_row(logged_in.front, media_id)["sha256"] == \
        hashlib.sha256(clip.read_bytes()).hexdigest()


def test_a_video_x_cannot_process_refuses_the_item_and_posts_nothing(logged_in, tmp_path,
                                                                     monkeypatch):
    from personas.sandbox.x_media import Media

    monkeypatch.setattr(Media, "processing", 0.5)
    clip = tmp_path / "broken.mp4"
    clip.write_bytes(mp4(50_000, playable=False))  # an MP4's head, but no moov box
    net, me = logged_in.network(), logged_in.persona("me")
    with pytest.raises(RemoteRefused, match=r"X could not process the MP4 .*broken\.mp4 "
                                            r"\(InvalidMedia: the video has no moov box"):
        net.publish(me, kind="original", text="unplayable", target=None, idempotency_key="k",
                    media=[{"path": str(clip), "alt": ""}])
    assert logged_in.front.store.timeline("Jesse") == []


def test_a_file_changed_since_it_was_checked_refuses_the_item(logged_in, tmp_path):
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")  # replaced by a sound after queueing
    net, me = logged_in.network(), logged_in.persona("me")
    with pytest.raises(RemoteRefused, match="not a PNG, JPEG, GIF or WebP image, nor an MP4 "
                                            "or MOV video; the item cannot be sent as it was"):
        net.publish(me, kind="original", text="t", target=None, idempotency_key="k",
                    media=[{"path": str(picture), "alt": ""}])
    assert logged_in.front.store.timeline("Jesse") == []


# --- through the CLI --------------------------------------------------------------------------


def _items():  # type: ignore[no-untyped-def]
    from personas import outbox

    return outbox.pending(statuses=("queued", "sending", "sent", "failed"))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("files", "error"), [
    ([("clip.mp4", b"this is not a video")],
     "clip.mp4: not a PNG, JPEG, GIF or WebP image, nor an MP4 or MOV video"),
    ([("empty.mp4", b"")], "empty.mp4: the file is empty"),
    ([("sound.webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(32))],
     "sound.webp: not a PNG, JPEG, GIF or WebP image, nor an MP4 or MOV video"),
    ([("big.gif", b"GIF89a" + bytes(15 * MB))],
     "big.gif: 15,728,646 bytes; X takes GIF files up to 15,728,640"),
    ([("a.png", PNG), ("clip.mp4", mp4(5000))],
     "clip.mp4: a video goes alone in a post (X's rule); post the other media separately"),
    ([("a.gif", b"GIF89a" + bytes(100)), ("b.gif", b"GIF89a" + bytes(100))],
     "a.gif: a GIF goes alone in a post"),
])
def test_a_bad_media_file_is_one_line_exit_2_and_nothing_is_stored(logged_in, cli, tmp_path,
                                                                    files, error):
    args = []
    for name, data in files:
        args += ["--media", str(_write(tmp_path, name, data))]
    result = cli("--config", str(logged_in.config), "post", "with media", *args)
    assert result.code == 2, result.err
    assert result.err.startswith("persona: ") and error in result.err
    assert result.err.count("\n") == 1
    assert _items() == []
    assert logged_in.front.store.timeline("Jesse") == []


def test_a_video_over_x_limit_is_refused_without_reading_it(logged_in, cli, tmp_path):
    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as f:
        f.write(mp4(1000)[:32])
        f.truncate(512 * MB + 1)  # sparse: its size is what is checked
    result = cli("--config", str(logged_in.config), "post", "long film", "--media", str(huge))
    assert result.code == 2
    assert "huge.mp4: 536,870,913 bytes; X takes MP4 files up to 536,870,912" in result.err
    assert result.err.count("\n") == 1 and _items() == []


def test_a_5xx_mid_upload_keeps_the_item_and_the_worker_sends_it_whole(logged_in, cli,
                                                                      tmp_path, monkeypatch):
    """The second segment fails with 503 on every try: exit 1, the item stays queued. Sent
    again, the upload starts over and the post carries the whole video."""
    from personas.networks.x.client import XNetwork
    from personas.networks.x.media import Uploader
    from personas.sandbox.x_media import Media

    monkeypatch.setattr(XNetwork, "backoff", 0.01)
    monkeypatch.setattr(Uploader, "chunk", 64 * 1024)
    monkeypatch.setattr(Media, "processing", 0.0)
    clip = _write(tmp_path, "clip.mp4", mp4(200_000))
    front = logged_in.front
    # initialize and the first segment answered, then 503 for the second, retries included
    # (each of the outbox's tries of the post makes the network's own tries of the upload)
    front.inject(status=503, path="/2/media/upload/", after=2,
                 times=(1 + XNetwork.retries) ** 2)
    config = str(logged_in.config)
    result = cli("--config", config, "post", "the clip", "--media", str(clip), "--alt", "clip")
    assert result.code == 1, result.err
    assert result.err.count("\n") == 1
    assert "X failed with 503" in result.err
    [item] = _items()
    assert item.status == "queued" and "503" in item.last_error
    assert f"item {item.id} is kept in the outbox (queued)" in result.err
    assert front.store.timeline("Jesse") == []
    [(first, state, size)] = front.store.db.execute("SELECT id, state, size FROM media")
    assert (state, size) == ("uploading", 64 * 1024)  # never finalized, never posted

    assert cli("--config", config, "queue", "retry", str(item.id)).code == 0
    worked = cli("--config", config, "worker", "--once", "--json")
    assert worked.code == 0, worked.err
    [item] = _items()
    assert item.status == "sent"
    [post] = front.store.timeline("Jesse")
    [media_id] = attached(front, str(post.id))
    assert int(media_id) != first  # a new upload, from its first segment
    row = media_row(front, media_id)
    assert row["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert (row["state"], row["alt_text"]) == ("succeeded", "clip")
