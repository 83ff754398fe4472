"""Images attached to a post: checked when the post is made, uploaded when it is sent."""

from __future__ import annotations

from pathlib import Path

from personas.errors import BadInput
from router.policy import Persona

MAX_IMAGES = 4
MAX_BYTES = 5 * 1024 * 1024  # X's limit for an image
MAX_ALT = 1000  # characters of alt text X keeps
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF",
          b"GIF89a": "GIF", b"RIFF": "WebP"}


def check(paths: list[Path], alts: list[str], persona: Persona) -> list[dict[str, str]]:
    """The images as the outbox keeps them ([{"path", "alt"}]), or `BadInput` naming the fix."""
    if not paths:
        if alts:
            raise BadInput("--alt describes an image: give the image with --media FILE")
        return []
    if persona.network_kind != "x":
        raise BadInput(f"images need an X network; persona {persona.name!r} is on "
                       f"{persona.network} ({persona.network_kind})")
    if len(paths) > MAX_IMAGES:
        raise BadInput(f"{len(paths)} images: a post takes at most {MAX_IMAGES}")
    if len(alts) > len(paths):
        raise BadInput(f"{len(alts)} --alt for {len(paths)} image(s): give one per image, in "
                       "order")
    return [{"path": str(_image(path)), "alt": _alt(alts[i] if i < len(alts) else "")}
            for i, path in enumerate(paths)]


def _image(path: Path) -> Path:
    if not path.is_file():
        raise BadInput(f"{path}: no such file; check the --media path")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BadInput(f"{path}: {size:,} bytes; X takes images up to {MAX_BYTES:,}")
    with path.open("rb") as f:
        head = f.read(8)
    if not any(head.startswith(magic) for magic in _MAGIC):
        raise BadInput(f"{path}: not a PNG, JPEG, GIF or WebP image")
    return path.resolve()


def _alt(text: str) -> str:
    if len(text) > MAX_ALT:
        raise BadInput(f"alt text is {len(text)} characters; X keeps at most {MAX_ALT}")
    return text.strip()
