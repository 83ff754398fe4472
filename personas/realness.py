"""How much an account looks like a real person: a score from 0 (a bot) to 1.

Shared by the follow-back sweep (which skips accounts below the threshold) and the
community's join checks. Each signal gives a share of the score; a signal the network
did not report counts as passed, so a thin profile is never punished for the network's
silence. The threshold is per persona in accounts.toml
(`[personas.NAME.follow] min_realness`, default `MIN_REALNESS`).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_REALNESS = 0.5
DAY = 86_400.0

# signal: share of the score (they add up to 1)
WEIGHTS = {"age": 0.30, "posts": 0.20, "ratio": 0.20, "avatar": 0.15, "bio": 0.15}


@dataclass(frozen=True)
class Signals:
    created_at: float | None = None  # epoch seconds
    posts: int | None = None
    followers: int | None = None
    following: int | None = None
    default_avatar: bool | None = None
    bio: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Signals:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def parts(s: Signals, now: float) -> dict[str, float]:
    """Each signal's credit from 0 to 1: a month old, 20 posts, one follower per five
    followed, a picture of one's own and a bio each earn it in full."""
    out = {"age": 1.0, "posts": 1.0, "ratio": 1.0, "avatar": 1.0, "bio": 1.0}
    if s.created_at is not None:
        out["age"] = min(max(now - s.created_at, 0.0) / (30 * DAY), 1.0)
    if s.posts is not None:
        out["posts"] = min(s.posts / 20, 1.0)
    if s.followers is not None and s.following is not None and s.following > 50:
        # following many and followed by few is how follow-spam looks
        out["ratio"] = min(s.followers / s.following / 0.2, 1.0)
    if s.default_avatar is not None:
        out["avatar"] = 0.0 if s.default_avatar else 1.0
    if s.bio is not None:
        out["bio"] = 1.0 if s.bio.strip() else 0.0
    return out


def score(s: Signals, now: float) -> float:
    return round(sum(WEIGHTS[k] * v for k, v in parts(s, now).items()), 3)


def is_real(s: Signals, now: float, threshold: float = MIN_REALNESS) -> bool:
    return score(s, now) >= threshold
