"""How much an account looks like a real person: a score from 0 (a bot) to 1.

Shared by the follow-back sweep (which skips accounts below the threshold) and the
community's join checks. Each signal gives a share of the score; a signal the network
did not report counts as passed, so a thin profile is never punished for the network's
silence. The threshold is per persona in accounts.toml
(`[personas.NAME.follow] min_realness`, default `MIN_REALNESS`). Join requests add one
signal, whether the person introduced themself, with weights of their own
(`[personas.NAME.community]`, default `REQUEST_WEIGHTS`; docs/community.md).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_REALNESS = 0.5
DAY = 86_400.0

# signal: share of the score (they add up to 1)
WEIGHTS = {"age": 0.30, "posts": 0.20, "ratio": 0.20, "avatar": 0.15, "bio": 0.15}
# a join request's: the same signals, and an introduction
REQUEST_WEIGHTS = {"age": 0.25, "posts": 0.15, "ratio": 0.15, "avatar": 0.10, "bio": 0.10,
                   "introduced": 0.25}
SIGNALS = tuple(REQUEST_WEIGHTS)


@dataclass(frozen=True)
class Signals:
    created_at: float | None = None  # epoch seconds
    posts: int | None = None
    followers: int | None = None
    following: int | None = None
    default_avatar: bool | None = None
    bio: str | None = None
    introduced: bool | None = None  # join requests only

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Signals:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def parts(s: Signals, now: float) -> dict[str, float]:
    """Each signal's credit from 0 to 1: a month old, 20 posts, one follower per five
    followed, a picture of one's own and a bio each earn it in full."""
    out = {"age": 1.0, "posts": 1.0, "ratio": 1.0, "avatar": 1.0, "bio": 1.0, "introduced": 1.0}
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
    if s.introduced is not None:
        out["introduced"] = 1.0 if s.introduced else 0.0
    return out


def score(s: Signals, now: float, weights: dict[str, float] | None = None) -> float:
    """The weighted average of the signals' credits (weights need not add up to 1)."""
    weights = WEIGHTS if weights is None else weights
    total = sum(weights.values())
    if total <= 0:
        return 1.0
    credit = parts(s, now)
    return round(sum(w * credit[k] for k, w in weights.items()) / total, 3)


def is_real(s: Signals, now: float, threshold: float = MIN_REALNESS,
            weights: dict[str, float] | None = None) -> bool:
    return score(s, now, weights) >= threshold


def reasons(s: Signals, now: float, weights: dict[str, float] | None = None) -> list[str]:
    """What cost the score points, in words, the heaviest first."""
    weights = WEIGHTS if weights is None else weights
    credit = parts(s, now)
    out = []
    for key in sorted(weights, key=lambda k: -weights[k] * (1 - credit[k])):
        if weights[key] <= 0 or credit[key] >= 1.0:
            continue
        if key == "age" and s.created_at is not None:
            out.append(f"account {max(now - s.created_at, 0) / DAY:.0f} days old")
        elif key == "posts":
            out.append(f"{s.posts} posts")
        elif key == "ratio":
            out.append(f"{s.followers} followers for {s.following} followed")
        elif key == "avatar":
            out.append("default avatar")
        elif key == "bio":
            out.append("empty bio")
        elif key == "introduced":
            out.append("no introduction")
    return out
