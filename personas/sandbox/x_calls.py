"""What the sandbox's X API handlers share: a parsed call, X's error answers, the id
numbering of media and direct messages, and telling an image's format by its bytes.
`personas.sandbox.x_api` and `personas.sandbox.x_media` both build on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from personas.sandbox.store import Account

FIRST_MEDIA_ID = 1_500_000_000_000_000_000


class ApiError(Exception):
    """An answer other than success: status and X's body for it."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> ApiError:
    return ApiError(status, {"title": title, "detail": detail, "type": kind, "status": status})


def forbidden(detail: str) -> ApiError:
    return problem(403, "Forbidden", detail)


def invalid(message: str, parameter: str) -> ApiError:
    return ApiError(400, {
        "errors": [{"parameters": {parameter: []}, "message": message}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request"})


@dataclass
class Call:
    """One authenticated request, parsed."""

    caller: Account
    consumer_key: str
    access_level: str
    args: tuple[str, ...]
    query: dict[str, str]
    body: dict[str, object] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def image_type(data: bytes) -> str | None:
    """The image format its first bytes say, as a media type; None for anything else."""
    signatures = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
                  b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":  # not any RIFF: WAV, AVI
        return "image/webp"
    return next((kind for magic, kind in signatures.items() if data.startswith(magic)), None)
