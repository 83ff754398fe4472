"""X API v2 media upload over the sandbox store: what `personas.sandbox.x_api` serves for
`/2/media/upload` (one image in one request, and its status), the chunked upload
(`initialize`, `{id}/append`, `{id}/finalize`) and `/2/media/metadata`.

Request and answer shapes follow X's OpenAPI description (the `MediaUploadRequest`,
`InitializeMediaUploadRequest`, `AppendMediaUploadRequest` and `CreateMediaMetadataRequest`
bodies; answers under `data` with `id`, `media_key`, `processing_info`). The front keeps
the segments, puts them together in `segment_index` order at finalize, refuses gaps, sizes
other than `total_bytes` and segments over X's limit, and "processes" a GIF or video for
`processing` seconds of its clock, after which a file that is not what its `media_type`
says has failed, as X's processing fails it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Callable

from personas.sandbox.store import Store
from personas.sandbox.x_calls import FIRST_MEDIA_ID, ApiError, Call, image_type, invalid

# The media table is x_api's MEDIA_SCHEMA (its first five columns, all a sandbox made before
# the v2 upload has), with the COLUMNS below added.
SCHEMA = """
CREATE TABLE IF NOT EXISTS media_segments (
    media_id INTEGER NOT NULL,
    segment_index INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (media_id, segment_index)
);
CREATE TABLE IF NOT EXISTS post_media (
    post_id INTEGER NOT NULL,
    media_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (post_id, position)
);
"""
# Columns the media table gained with the v2 upload (a sandbox made before has the first five).
COLUMNS = {
    "category": "TEXT NOT NULL DEFAULT 'tweet_image'",
    "media_type": "TEXT NOT NULL DEFAULT ''",
    "total_bytes": "INTEGER NOT NULL DEFAULT 0",
    # uploading (segments coming), then the outcome: succeeded | failed, from ready_at on
    "state": "TEXT NOT NULL DEFAULT 'succeeded'",
    "ready_at": "REAL NOT NULL DEFAULT 0",
    "sha256": "TEXT NOT NULL DEFAULT ''",
    "error": "TEXT NOT NULL DEFAULT ''",
}
EXPIRES = 86400  # X keeps an upload for a day
MB = 1024 * 1024
MAX_SEGMENT = 5 * MB  # X's limit for one appended segment
MAX_SEGMENTS = 1000  # segment_index is 0 to 999
# X's size limit for each category, and the media key prefix of what it makes
CATEGORIES = {"tweet_image": (5 * MB, "3"), "tweet_gif": (15 * MB, "16"),
              "tweet_video": (512 * MB, "7"), "dm_image": (5 * MB, "3"),
              "dm_gif": (15 * MB, "16"), "dm_video": (512 * MB, "7")}
MEDIA_TYPES = {"image/jpeg": "tweet_image", "image/png": "tweet_image",
               "image/webp": "tweet_image", "image/gif": "tweet_gif",
               "video/mp4": "tweet_video", "video/quicktime": "tweet_video"}
INIT_KEYS = {"additional_owners", "media_category", "media_type", "shared", "total_bytes"}


class Media:
    """The media endpoints; `routes()` for `XApi`."""

    processing = 1.0  # seconds the front takes over a GIF or video, by its store's clock

    def __init__(self, store: Store) -> None:
        self.store = store
        self._schema()

    def _schema(self) -> None:
        self.store.db.executescript(SCHEMA)
        with self.store.write() as db:  # one thread adds the columns; the others see them
            have = {row[1] for row in db.execute("PRAGMA table_info(media)")}
            for name, kind in COLUMNS.items():
                if name not in have:
                    db.execute(f"ALTER TABLE media ADD COLUMN {name} {kind}")

    # --- the answers ------------------------------------------------------------------------

    def _row(self, call: Call, media_id: str, parameter: str = "id") -> tuple:  # type: ignore[type-arg]
        row = None
        if re.fullmatch(r"\d{1,19}", media_id or ""):
            row = self.store.db.execute(
                "SELECT id, account_id, size, category, media_type, total_bytes, state, "
                "ready_at, error FROM media WHERE id = ?", (int(media_id),)).fetchone()
        if row is None or row[1] != call.caller.id:
            raise invalid(f"The `{parameter}` value [{media_id}] is not a media id of yours",
                          parameter)
        return row

    def _data(self, row: tuple, *, polled: bool = True) -> dict[str, object]:  # type: ignore[type-arg]
        """X's answer for an upload: its id and key, size, and how its processing goes
        ("pending" when it was just finalized, "in_progress" when looked at since)."""
        media_id, _, size, category, media_type, _, state, ready_at, error = row
        out: dict[str, object] = {"id": str(media_id),
                                  "media_key": f"{CATEGORIES[category][1]}_{media_id}",
                                  "size": size, "expires_after_secs": EXPIRES}
        if category.endswith("image"):
            out["image"] = {"image_type": media_type}
            return out
        out["video"] = {"video_type": "video/mp4" if category.endswith("gif") else media_type}
        left = ready_at - self.store.clock()
        if left > 0:
            done = 1 - left / max(self.processing, left)
            out["processing_info"] = {
                "state": "in_progress" if polled else "pending",
                "check_after_secs": 1,  # X's hint is short, whatever is left
                "progress_percent": min(99, int(100 * done))}
        elif state == "failed":  # why: in the answer's `errors` (see `_answer`)
            out["processing_info"] = {"state": "failed", "progress_percent": 100}
        else:
            out["processing_info"] = {"state": "succeeded", "progress_percent": 100}
        return out

    def _answer(self, row: tuple, *, polled: bool = True) -> dict[str, object]:  # type: ignore[type-arg]
        """`data`, and for a failed processing why, as a problem of X's description (its
        `processing_info` has no room for a reason)."""
        out: dict[str, object] = {"data": self._data(row, polled=polled)}
        if out["data"].get("processing_info", {}).get("state") == "failed":  # type: ignore[union-attr]
            out["errors"] = [{"type": "https://api.x.com/2/problems/invalid-request",
                              "title": "Invalid Request", "detail": row[8]}]
        return out

    def upload(self, call: Call) -> tuple[int, dict[str, object]]:
        """POST /2/media/upload: an image in one request (multipart, or base64 in JSON)."""
        fields = self._fields(call, {"additional_owners", "media", "media_category"})
        data = fields.get("media")
        category = _text(fields.get("media_category"))
        if not data:
            raise invalid("The `media` field is required", "media")
        if category not in ("tweet_image", "dm_image"):
            raise invalid(f"The `media_category` value [{category}] is not one of tweet_image, "
                          "dm_image; a GIF or video goes up in segments "
                          "(/2/media/upload/initialize)", "media_category")
        media_type = image_type(data)
        if media_type is None:
            raise invalid("Unsupported image format", "media")
        if len(data) > CATEGORIES[category][0]:
            raise invalid(f"The image is {len(data)} bytes; the limit is "
                          f"{CATEGORIES[category][0]}", "media")
        media_id = self._new(call, category, media_type, len(data), state="succeeded",
                             digest=hashlib.sha256(data).hexdigest())
        return 200, self._answer(self._row(call, str(media_id)))

    def initialize(self, call: Call) -> tuple[int, dict[str, object]]:
        """POST /2/media/upload/initialize: a session for a file sent in segments."""
        body = _object(call.body)
        unknown = set(body) - INIT_KEYS
        if unknown:
            raise invalid(f"Unknown field(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
        media_type = body.get("media_type")
        if media_type not in MEDIA_TYPES:
            raise invalid(f"The `media_type` value [{media_type}] is not supported",
                          "media_type")
        category = body.get("media_category") or MEDIA_TYPES[media_type]  # type: ignore[index]
        if category not in CATEGORIES:
            raise invalid(f"The `media_category` value [{category}] is not valid",
                          "media_category")
        total = body.get("total_bytes")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise invalid(f"The `total_bytes` value [{total}] is not a positive integer",
                          "total_bytes")
        if total > CATEGORIES[category][0]:  # type: ignore[index]
            raise invalid(f"The `total_bytes` value [{total}] is over the limit of "
                          f"{CATEGORIES[category][0]} for {category}", "total_bytes")  # type: ignore[index]
        media_id = self._new(call, str(category), str(media_type), total, state="uploading")
        return 200, {"data": {"id": str(media_id),
                              "media_key": f"{CATEGORIES[category][1]}_{media_id}",  # type: ignore[index]
                              "expires_after_secs": EXPIRES}}

    def append(self, call: Call) -> tuple[int, dict[str, object]]:
        """POST /2/media/upload/{id}/append: one segment; the same index again replaces it."""
        row = self._row(call, call.args[0])
        fields = self._fields(call, {"media", "segment_index"})
        if row[6] != "uploading":
            raise invalid(f"Media [{row[0]}] is finalized: nothing can be appended",
                          "id")
        raw_index = _text(fields.get("segment_index"))
        if not re.fullmatch(r"\d{1,3}", raw_index):
            raise invalid(f"The `segment_index` value [{raw_index}] is not between 0 and "
                          f"{MAX_SEGMENTS - 1}", "segment_index")
        data = fields.get("media") or b""
        if not data:
            raise invalid("The `media` field is required", "media")
        if len(data) > MAX_SEGMENT:
            raise invalid(f"The segment is {len(data)} bytes; a segment takes at most "
                          f"{MAX_SEGMENT}", "media")
        index = int(raw_index)
        with self.store.write() as db:
            others = db.execute("SELECT coalesce(sum(length(data)), 0) FROM media_segments "
                                "WHERE media_id = ? AND segment_index != ?",
                                (row[0], index)).fetchone()[0]
            if others + len(data) > row[5]:
                raise invalid(f"The segments add up to {others + len(data)} bytes, more than "
                              f"the `total_bytes` of {row[5]}", "media")
            db.execute("INSERT OR REPLACE INTO media_segments VALUES (?,?,?)",
                       (row[0], index, data))
            db.execute("UPDATE media SET size = ? WHERE id = ?", (others + len(data), row[0]))
        return 200, {"data": {"expires_at": int(self.store.clock()) + EXPIRES}}

    def finalize(self, call: Call) -> tuple[int, dict[str, object]]:
        """POST /2/media/upload/{id}/finalize: the segments, in index order, become the file;
        a GIF or video is processed from now on. Finalizing again answers the same."""
        row = self._row(call, call.args[0])
        if row[6] != "uploading":
            return 200, self._answer(row, polled=False)
        with self.store.write() as db:
            segments = db.execute("SELECT segment_index, data FROM media_segments WHERE "
                                  "media_id = ? ORDER BY segment_index", (row[0],)).fetchall()
            indexes = [i for i, _ in segments]
            if indexes != list(range(len(segments))):
                missing = sorted(set(range(max(indexes, default=-1) + 1)) - set(indexes))
                raise invalid(f"Segment(s) {missing or [0]} of media [{row[0]}] were never "
                              "appended", "segment_index")
            data = b"".join(d for _, d in segments)
            if len(data) != row[5]:
                raise invalid(f"The segments add up to {len(data)} bytes, not the "
                              f"`total_bytes` of {row[5]}", "total_bytes")
            error = _problem(row[4], data)
            ready_at = self.store.clock() + (0 if row[3].endswith("image") else self.processing)
            if row[3].endswith("image") and error:
                raise invalid("Unsupported image format", "media")
            db.execute("UPDATE media SET state = ?, ready_at = ?, sha256 = ?, error = ?, "
                       "size = ? WHERE id = ?",
                       ("failed" if error else "succeeded", ready_at,
                        hashlib.sha256(data).hexdigest(), error, len(data), row[0]))
            db.execute("DELETE FROM media_segments WHERE media_id = ?", (row[0],))
        return 200, self._answer(self._row(call, call.args[0]), polled=False)

    def status(self, call: Call) -> tuple[int, dict[str, object]]:
        """GET /2/media/upload?media_id=ID&command=STATUS: how the processing goes."""
        command = call.query.get("command", "STATUS")
        if command != "STATUS":
            raise invalid(f"The `command` value [{command}] is not STATUS", "command")
        row = self._row(call, call.query.get("media_id", ""), "media_id")
        if row[6] == "uploading":
            raise invalid(f"Media [{row[0]}] is not finalized yet", "media_id")
        return 200, self._answer(row)

    def metadata(self, call: Call) -> tuple[int, dict[str, object]]:
        """POST /2/media/metadata: alt text for an upload of the caller's."""
        body = _object(call.body)
        row = self._row(call, str(body.get("id", "")))
        metadata = body.get("metadata") or {}
        alt = metadata.get("alt_text") if isinstance(metadata, dict) else None
        if alt is not None:
            text = alt.get("text") if isinstance(alt, dict) else None
            if not isinstance(text, str) or len(text) > 1000:
                raise invalid("The `metadata.alt_text.text` value must be text of at most "
                              "1000 characters", "metadata.alt_text.text")
            with self.store.write() as db:
                db.execute("UPDATE media SET alt_text = ? WHERE id = ?", (text, row[0]))
        return 200, {"data": {"id": str(row[0]), "associated_metadata": metadata}}

    # --- posts with media ---------------------------------------------------------------

    def check_attached(self, call: Call, ids: list[str]) -> None:
        """Media a new post names: the caller's, processed, and up to 4 images or one GIF or
        video (X's rule)."""
        if not isinstance(ids, list) or len(ids) > 4:
            raise invalid("Your media IDs are invalid: at most 4 images", "media.media_ids")
        for media_id in ids:
            try:
                row = self._row(call, str(media_id), "media.media_ids")
            except ApiError:
                raise invalid(f"Your media IDs are invalid: {media_id}",
                              "media.media_ids") from None
            if row[6] != "succeeded" or row[7] > self.store.clock():
                raise invalid(f"Your media IDs are invalid: {media_id} is not processed "
                              f"({'failed' if row[6] == 'failed' else 'not yet'})",
                              "media.media_ids")
            if not row[3].endswith("image") and len(ids) > 1:
                raise invalid("Your media IDs are invalid: a GIF or video goes alone",
                              "media.media_ids")

    def attach(self, post_id: int, ids: list[str]) -> None:
        with self.store.write() as db:
            db.executemany("INSERT INTO post_media VALUES (?,?,?)",
                           [(post_id, int(m), i) for i, m in enumerate(ids)])

    # --- helpers ----------------------------------------------------------------------------

    def _new(self, call: Call, category: str, media_type: str, size: int, *, state: str,
             digest: str = "") -> int:
        with self.store.write() as db:
            media_id = db.execute("SELECT coalesce(max(id), ?) + 1 FROM media",
                                  (FIRST_MEDIA_ID,)).fetchone()[0]
            db.execute("INSERT INTO media (id, account_id, size, created_at, category, "
                       "media_type, total_bytes, state, sha256) VALUES (?,?,?,?,?,?,?,?,?)",
                       (media_id, call.caller.id, size if state != "uploading" else 0,
                        self.store.clock(), category, media_type, size, state, digest))
        return int(media_id)

    def _fields(self, call: Call, allowed: set[str]) -> dict[str, bytes]:
        """A multipart body's parts, or a JSON body's fields (`media` in base64, as X's
        description says), as bytes; unknown fields refused like X's schema does."""
        if call.files:
            fields = dict(call.files)
        else:
            fields = {}
            for name, value in _object(call.body).items():
                if name == "media" and isinstance(value, str):
                    try:
                        fields[name] = base64.b64decode(value, validate=True)
                    except (binascii.Error, ValueError):
                        raise invalid("The `media` field is not base64", "media") from None
                else:
                    fields[name] = str(value).encode()
        unknown = set(fields) - allowed
        if unknown:
            raise invalid(f"Unknown field(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
        return fields

    def routes(self) -> list[tuple[str, str, Callable[[Call], tuple[int, dict]], str]]:  # type: ignore[type-arg]
        return [
            ("POST", r"/2/media/upload", self.upload, "media"),
            ("GET", r"/2/media/upload", self.status, "media"),
            ("POST", r"/2/media/upload/initialize", self.initialize, "media"),
            ("POST", r"/2/media/upload/(\d{1,19})/append", self.append, "media"),
            ("POST", r"/2/media/upload/(\d{1,19})/finalize", self.finalize, "media"),
            ("POST", r"/2/media/metadata", self.metadata, "media"),
        ]


def _object(body: object) -> dict[str, object]:
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object", "body")
    return body


def _text(value: bytes | None) -> str:
    return (value or b"").decode("utf-8", "replace").strip()


def _problem(media_type: str, data: bytes) -> str:
    """Why X's processing would fail this file ("" when it would not): not the type it was
    announced as, or a video without the boxes a player needs (`ftyp` first, and `moov`)."""
    if media_type.startswith("image/"):
        return "" if image_type(data) == media_type or (
            media_type == "image/pjpeg" and image_type(data) == "image/jpeg") else \
            "InvalidMedia: not the image type announced"
    boxes, at = [], 0
    while at + 8 <= len(data) and len(boxes) < 64:
        size, name = struct.unpack(">I4s", data[at:at + 8])
        if size == 1 and at + 16 <= len(data):
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        elif size == 0:
            size = len(data) - at
        if size < 8:
            break
        boxes.append(name)
        at += size
    if not boxes or boxes[0] != b"ftyp":
        return "InvalidMedia: not an MP4 or QuickTime file"
    if b"moov" not in boxes:
        return "InvalidMedia: the video has no moov box; it cannot be played"
    return ""
