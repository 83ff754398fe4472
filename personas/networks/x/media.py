"""Media for X posts through API v2: `POST /2/media/upload` for an image, and
`/2/media/upload/initialize`, `/{id}/append`, `/{id}/finalize` for a GIF or a video, then
the upload's status while X processes it; alt text through `POST /2/media/metadata`.

X retired the v1.1 upload (upload.twitter.com/1.1/media/upload.json) for self-serve access
in 2025, and tweepy 4.17's Client has no v2 upload. These requests go out on the persona's
tweepy client's own session, signed with its OAuth 1.0a credentials as tweepy signs, so
they take the same route (`api_base`), report X's rate headers the same way, and fail with
the same errors as every other call (`XSession._call` maps and retries them). Each request
is safe to repeat: a segment sent again replaces itself, and an upload X never finishes
is dropped by X after a day.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import tweepy

from personas import media
from personas.config import X_API
from personas.errors import BadInput, RemoteRefused, Transient

API = X_API


class Uploader:
    """One persona's uploads. `call` runs one request the way `XSession._call` does:
    transient failures retried with backoff, every failure mapped to the project's errors."""

    chunk = 4 * media.MB  # bytes per segment; X takes up to 5 MB a segment
    max_segments = 1000  # X's segment_index goes from 0 to 999
    max_wait = 15 * 60.0  # seconds of X's processing before the item is left for later
    max_check = 60.0  # at most this long between two looks at the processing

    def __init__(self, client: tweepy.Client,
                 call: Callable[[Callable[[], Any]], Any]) -> None:
        self.client, self.call = client, call

    def upload(self, path: str, alt: str | None = None) -> str:
        """Upload one file as the item was made with it; returns X's media id."""
        file = Path(path)
        if not file.exists():
            raise RemoteRefused(f"media file {path} is gone; the item cannot be sent as it "
                                "was made")
        try:
            kind = media.identify(file)
        except BadInput as e:  # it changed since the post was checked
            raise RemoteRefused(f"{e.message}; the item cannot be sent as it was made") from None
        answer = self._chunked(file, kind) if kind.chunked else self._one_shot(file, kind)
        media_id = str(answer["data"]["id"])
        if answer["data"].get("processing_info"):
            self._wait(file, kind, answer)
        if alt:
            self.call(lambda: self._request("POST", "/2/media/metadata", json={
                "id": media_id, "metadata": {"alt_text": {"text": alt}}}))
        return media_id

    def _one_shot(self, file: Path, kind: media.MediaType) -> dict[str, Any]:
        body = _read(file, 0, kind.limit)
        return self.call(lambda: self._request(
            "POST", "/2/media/upload", data={"media_category": kind.category},
            files={"media": (file.name, body, kind.mime)}))

    def _chunked(self, file: Path, kind: media.MediaType) -> dict[str, Any]:
        size = file.stat().st_size
        session = self.call(lambda: self._request("POST", "/2/media/upload/initialize", json={
            "media_type": kind.mime, "total_bytes": size, "media_category": kind.category}))
        media_id = str(session["data"]["id"])
        chunk = max(self.chunk, math.ceil(size / self.max_segments))
        for index in range(max(1, math.ceil(size / chunk))):
            segment = _read(file, index * chunk, chunk)
            self.call(lambda i=index, s=segment: self._request(  # type: ignore[misc]
                "POST", f"/2/media/upload/{media_id}/append", data={"segment_index": str(i)},
                files={"media": ("blob", s, "application/octet-stream")}))
        return self.call(lambda: self._request("POST", f"/2/media/upload/{media_id}/finalize"))

    def _wait(self, file: Path, kind: media.MediaType, answer: dict[str, Any]) -> None:
        """Look at the upload's status, as often as X's `check_after_secs` says, until X
        has processed it: it cannot be posted before."""
        media_id, waited = str(answer["data"]["id"]), 0.0
        while True:
            info = answer["data"].get("processing_info") or {}
            state = info.get("state")
            if state in (None, "succeeded"):
                return
            if state == "failed":
                raise RemoteRefused(f"X could not process the {kind.name} {file} ({_why(answer)}); "
                                    "the item cannot be sent with it")
            pause = min(max(float(info.get("check_after_secs") or 1), 1.0), self.max_check)
            if waited + pause > self.max_wait:
                raise Transient(f"X is still processing the {kind.name} {file} after "
                                f"{waited / 60:.0f} minutes; the item is tried again later")
            time.sleep(pause)
            waited += pause
            answer = self.call(lambda: self._request("GET", "/2/media/upload", params={
                "media_id": media_id, "command": "STATUS"}))

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One signed request, as tweepy makes its own: the answer, with a `data` ({} for
        none), or tweepy's error for the status (which `XSession._call` maps)."""
        client = self.client
        auth = tweepy.OAuth1UserHandler(client.consumer_key, client.consumer_secret,
                                        client.access_token, client.access_token_secret)
        with client.session.request(method, API + path, auth=auth.apply_auth(),
                                    headers={"User-Agent": client.user_agent},
                                    **kwargs) as response:
            _raise_for(response)
            try:
                answer = response.json() if response.content else {}
                data = answer.setdefault("data", {})
            except (ValueError, AttributeError):
                answer, data = {}, None
        # an upload, its finalizing and its status name the media; an append and the alt
        # text may answer with nothing
        named = not (path.endswith("/append") or path == "/2/media/metadata")
        if not isinstance(data, dict) or (named and not data.get("id")):
            raise Transient(f"X's answer to {method} {path} was not understood")
        return answer


def _why(answer: dict[str, Any]) -> str:
    """X's reason for a failed processing: the processing's `error` (as v1.1 gave it), or
    the answer's problems."""
    error = answer["data"].get("processing_info", {}).get("error") or {}
    problems = [p for p in answer.get("errors") or [] if isinstance(p, dict)]
    reasons = [error.get("message") or error.get("name")] + \
        [p.get("detail") or p.get("message") or p.get("title") for p in problems]
    return "; ".join(str(r) for r in reasons if r) or "no reason given"


def _raise_for(response: requests.Response) -> None:
    """tweepy's errors for an answer, as `tweepy.Client.request` raises them."""
    status = response.status_code
    if status == 400:
        raise tweepy.BadRequest(response)
    if status == 401:
        raise tweepy.Unauthorized(response)
    if status == 403:
        raise tweepy.Forbidden(response)
    if status == 404:
        raise tweepy.NotFound(response)
    if status == 429:
        raise tweepy.TooManyRequests(response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _read(file: Path, offset: int, size: int) -> bytes:
    try:
        with file.open("rb") as f:
            f.seek(offset)
            return f.read(size)
    except OSError as e:
        raise RemoteRefused(f"cannot read {file} ({e.strerror}); the item cannot be sent as "
                            "it was made") from None
