"""Images and videos attached to a post: checked when the post is made, uploaded when it is
sent (`personas.networks.x.media`), and checked again then, since the file may have changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from personas.errors import BadInput
from router.policy import Persona

MB = 1024 * 1024
MAX_IMAGES = 4
MAX_BYTES = 5 * MB  # X's limit for an image
MAX_ALT = 1000  # characters of alt text X keeps


@dataclass(frozen=True)
class MediaType:
    """What a file is, as X's upload takes it: the MIME type, X's media category, and
    X's size limit for that category."""

    name: str
    mime: str
    category: str  # tweet_image | tweet_gif | tweet_video
    limit: int

    @property
    def chunked(self) -> bool:
        """GIFs and videos go up in segments and X processes them before a post takes them;
        images go up in one request."""
        return self.category != "tweet_image"


PNG = MediaType("PNG", "image/png", "tweet_image", MAX_BYTES)
JPEG = MediaType("JPEG", "image/jpeg", "tweet_image", MAX_BYTES)
WEBP = MediaType("WebP", "image/webp", "tweet_image", MAX_BYTES)
GIF = MediaType("GIF", "image/gif", "tweet_gif", 15 * MB)
MP4 = MediaType("MP4", "video/mp4", "tweet_video", 512 * MB)
MOV = MediaType("MOV", "video/quicktime", "tweet_video", 512 * MB)


def media_type(head: bytes) -> MediaType | None:
    """The type a file's first 12 bytes say it is (its name says nothing)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":  # not any RIFF: WAV, AVI
        return WEBP
    if head[4:8] == b"ftyp":  # an ISO media file: MP4, or QuickTime by its brand
        return MOV if head[8:12] == b"qt  " else MP4
    return None


def check(paths: list[Path], alts: list[str], persona: Persona) -> list[dict[str, str]]:
    """The media as the outbox keeps them ([{"path", "alt"}]), or `BadInput` naming the fix.
    A post takes up to 4 images, or one GIF or video alone (X's rule)."""
    if not paths:
        if alts:
            raise BadInput("--alt describes an image: give the image with --media FILE")
        return []
    if persona.network_kind != "x":
        raise BadInput(f"images need an X network; persona {persona.name!r} is on "
                       f"{persona.network} ({persona.network_kind})")
    if len(alts) > len(paths):
        raise BadInput(f"{len(alts)} --alt for {len(paths)} image(s): give one per image, in "
                       "order")
    kinds = [identify(path) for path in paths]
    alone = next(((p, k) for p, k in zip(paths, kinds, strict=True) if k.chunked), None)
    if alone is not None and len(paths) > 1:
        raise BadInput(f"{alone[0]}: a {'GIF' if alone[1] is GIF else 'video'} goes alone in "
                       "a post (X's rule); post the other media separately")
    if len(paths) > MAX_IMAGES:
        raise BadInput(f"{len(paths)} images: a post takes at most {MAX_IMAGES}")
    return [{"path": str(path.resolve()), "alt": _alt(alts[i] if i < len(alts) else "")}
            for i, path in enumerate(paths)]


def identify(path: Path) -> MediaType:
    """The file's type, checked against X's limit for it; `BadInput` naming the fix."""
    if not path.is_file():
        raise BadInput(f"{path}: no such file; check the --media path")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as e:
        raise BadInput(f"{path}: cannot read it ({e.strerror}); check the file and its "
                       "permissions") from None
    if size == 0:
        raise BadInput(f"{path}: the file is empty; check the --media path")
    kind = media_type(head)
    if kind is None:
        raise BadInput(f"{path}: not a PNG, JPEG, GIF or WebP image, nor an MP4 or MOV video")
    if size > kind.limit:
        raise BadInput(f"{path}: {size:,} bytes; X takes {kind.name} files up to "
                       f"{kind.limit:,}")
    return kind


def _alt(text: str) -> str:
    if len(text) > MAX_ALT:
        raise BadInput(f"alt text is {len(text)} characters; X keeps at most {MAX_ALT}")
    return text.strip()
