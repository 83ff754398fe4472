"""The numbers of a report, from the activity log, the outbox and the metric snapshots.

Everything is counted in the database (GROUP BY); only the few rows that carry a detail
to read (refusal reasons, follow-backs) and the latest snapshot of each post come to Python.
The result is plain data: the JSON format is this, and every other format renders it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from personas import activity as act

if TYPE_CHECKING:
    from sqlmodel import Session

    from router.policy import Persona

METRICS = ("likes", "reposts", "replies", "quotes", "impressions")
TOP_POSTS = 5
# Beyond three months a point a day is noise on a chart: count by week instead.
WEEKLY_AFTER = timedelta(days=92)


def build(personas: list[Persona], since: datetime, until: datetime, *,
          include_private: bool = False) -> dict[str, Any]:
    from personas import db
    from personas.models import utcnow

    names = [p.name for p in personas]
    bucket = "week" if until - since > WEEKLY_AFTER else "day"
    with db.session() as s:
        counts = _counts(s, names, since, until)
        details = _details(s, names, since, until)
        failures = _failures(s, names, since, until)
        members = _members(s, names, until)
        activity = _activity(s, names, since, until, bucket)
        posts = _latest_snapshots(s, names, since, until)
        followers = _followers(s, names, since, until)
        texts = _texts(s, [p["item_id"] for rows in posts.values() for p in rows
                           if p["item_id"] is not None])
    report: dict[str, Any] = {
        "since": since.isoformat(), "until": until.isoformat(),
        "generated_at": utcnow().isoformat(), "bucket": bucket,
        "include_private": include_private, "personas": {},
    }
    for p in personas:
        show_text = include_private or not p.private
        report["personas"][p.name] = {
            "network": p.network,
            "visibility": "private" if p.private else "public",
            "actions": dict(sorted(counts[p.name]["actions"].items())),
            "items": dict(sorted(counts[p.name]["items"].items())),
            "refusals": dict((details[p.name]["refusals"] + failures[p.name]).most_common()),
            "engagement": _engagement(posts[p.name]),
            "top_posts": _top(posts[p.name], texts if show_text else {}),
            "follows": {"made": counts[p.name]["actions"][act.FOLLOWED],
                        "followed_back": details[p.name]["followed_back"],
                        "unfollowed": counts[p.name]["actions"][act.UNFOLLOWED]},
            "community": _community(counts[p.name]["actions"], members[p.name]),
            "followers": followers[p.name],
            "activity": activity[p.name],
        }
    return report


def _in_period(column: Any, since: datetime, until: datetime) -> Any:
    return (column >= since) & (column < until)


def _counts(s: Session, names: list[str], since: datetime,
            until: datetime) -> dict[str, dict[str, Counter[str]]]:
    from sqlalchemy import func, select

    from personas.models import Event

    out: dict[str, dict[str, Counter[str]]] = defaultdict(
        lambda: {"actions": Counter(), "items": Counter()})
    rows = s.execute(select(Event.persona, Event.action, Event.kind, func.count())
                     .where(Event.persona.in_(names), _in_period(Event.at, since, until))
                     .group_by(Event.persona, Event.action, Event.kind))
    for persona, action, kind, n in rows:
        out[persona]["actions"][action] += n
        if action in act.PUBLISHED:
            out[persona]["items"][kind or "unknown"] += n
    return out


def _details(s: Session, names: list[str], since: datetime,
             until: datetime) -> dict[str, dict[str, Any]]:
    """Refusal reasons and follow-backs, which live in the events' detail."""
    from sqlalchemy import select

    from personas.models import Event

    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"refusals": Counter(), "followed_back": 0})
    rows = s.execute(select(Event.persona, Event.action, Event.detail).where(
        Event.persona.in_(names), _in_period(Event.at, since, until),
        Event.action.in_([act.REFUSED, act.FOLLOWED]), Event.detail.is_not(None)))
    for persona, action, detail in rows:
        data = _json(detail)
        if action == act.REFUSED:
            out[persona]["refusals"][str(data.get("reason") or "unknown")] += 1
        elif data.get("back"):
            out[persona]["followed_back"] += 1
    return out


def _json(detail: str) -> dict[str, Any]:
    try:
        data = json.loads(detail)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _failures(s: Session, names: list[str], since: datetime,
              until: datetime) -> dict[str, Counter[str]]:
    """Items the network refused for good, by its reason."""
    from sqlalchemy import func, select

    from personas.models import OutboxItem, Status

    out: dict[str, Counter[str]] = defaultdict(Counter)
    rows = s.execute(select(OutboxItem.persona, OutboxItem.last_error, func.count()).where(
        OutboxItem.persona.in_(names), OutboxItem.status == Status.FAILED,
        _in_period(OutboxItem.updated_at, since, until),
    ).group_by(OutboxItem.persona, OutboxItem.last_error))
    for persona, error, n in rows:
        out[persona][f"network: {error or 'refused'}"] += n
    return out


def _members(s: Session, names: list[str], until: datetime) -> dict[str, int]:
    """Members at the end of the period: everyone approved up to then, except those whose
    approval still waited for the owner to accept them in the network's app (X), who count
    from when they were let in (`joined`)."""
    from sqlalchemy import select

    from personas.models import Event

    out: dict[str, int] = defaultdict(int)
    rows = s.execute(select(Event.persona, Event.action, Event.detail).where(
        Event.persona.in_(names), Event.action.in_([act.APPROVED, act.JOINED]),
        Event.at < until))
    for persona, action, detail in rows:
        if action == act.JOINED or not _json(detail or "{}").get("awaiting_acceptance"):
            out[persona] += 1
    return out


def _community(actions: Counter[str], members: int) -> dict[str, int]:
    return {"requests": actions[act.REQUEST_RECEIVED], "approved": actions[act.APPROVED],
            "denied": actions[act.DENIED], "introductions": actions[act.INTRODUCTION_RECEIVED],
            "members": members}


def _activity(s: Session, names: list[str], since: datetime, until: datetime,
              bucket: str) -> dict[str, list[dict[str, Any]]]:
    """Events per day (or per week, starting Mondays), every bucket present, zeros too."""
    from sqlalchemy import func, select

    from personas.models import Event

    day = func.date(Event.at)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    rows = s.execute(select(Event.persona, day, func.count()).where(
        Event.persona.in_(names), _in_period(Event.at, since, until),
    ).group_by(Event.persona, day))
    for persona, when, n in rows:
        per[persona][_bucket(date.fromisoformat(str(when)), bucket)] += n
    keys = _buckets(since.date(), (until - timedelta(microseconds=1)).date(), bucket)
    return defaultdict(list, {name: [{"date": k, "events": per[name][k]} for k in keys]
                              for name in names})


def _bucket(day: date, bucket: str) -> str:
    return (day - timedelta(days=day.weekday()) if bucket == "week" else day).isoformat()


def _buckets(first: date, last: date, bucket: str) -> list[str]:
    step = timedelta(days=7 if bucket == "week" else 1)
    day = date.fromisoformat(_bucket(first, bucket))
    keys = []
    while day <= last:
        keys.append(day.isoformat())
        day += step
    return keys


def _latest_snapshots(s: Session, names: list[str], since: datetime,
                      until: datetime) -> dict[str, list[dict[str, Any]]]:
    """The last snapshot taken before `until` of each post made in the period."""
    from sqlalchemy import func, select

    from personas.reports.tables import MetricSnapshot as M

    latest = (select(func.max(M.id)).where(
        M.persona.in_(names), M.at < until, M.posted_at.is_not(None),
        _in_period(M.posted_at, since, until)).group_by(M.persona, M.remote_id))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in s.execute(select(M).where(M.id.in_(latest)).order_by(M.posted_at)).scalars():
        out[m.persona].append({"remote_id": m.remote_id, "item_id": m.item_id,
                               "kind": m.kind, "posted_at": m.posted_at.isoformat(),
                               **{k: getattr(m, k) for k in METRICS}})
    return out


def _engagement(posts: list[dict[str, Any]]) -> dict[str, Any]:
    totals = _sum(posts)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in posts:
        by_kind[p["kind"] or "unknown"].append(p)
    return {"posts": len(posts), **totals,
            "per_post": {k: None if v is None else round(v / len(posts), 2) if posts else 0.0
                         for k, v in totals.items()},
            "by_kind": {kind: {"posts": len(rows), **_sum(rows)}
                        for kind, rows in sorted(by_kind.items())}}


def _sum(posts: list[dict[str, Any]]) -> dict[str, int | None]:
    """Totals per metric; None where the network gave that metric for none of the posts."""
    out: dict[str, int | None] = {}
    for k in METRICS:
        values = [p[k] for p in posts if p[k] is not None]
        out[k] = sum(values) if values or not posts else None
    return out


def _score(post: dict[str, Any]) -> int:
    return sum(post[k] or 0 for k in ("likes", "reposts", "replies", "quotes"))


def _top(posts: list[dict[str, Any]], texts: dict[int, str]) -> list[dict[str, Any]]:
    ranked = sorted(posts, key=lambda p: (-_score(p), p["posted_at"]))[:TOP_POSTS]
    return [{**{k: v for k, v in p.items() if k != "item_id"}, "engagement": _score(p),
             "text": texts.get(p["item_id"])} for p in ranked]


def _followers(s: Session, names: list[str], since: datetime,
               until: datetime) -> dict[str, list[dict[str, Any]]]:
    from sqlalchemy import select

    from personas.reports.tables import FollowerCount as F

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = s.execute(select(F.persona, F.at, F.followers, F.following).where(
        F.persona.in_(names), _in_period(F.at, since, until)).order_by(F.at, F.id))
    for persona, at, followers, following in rows:
        out[persona].append({"at": at.isoformat(), "followers": followers,
                             "following": following})
    return out


def _texts(s: Session, item_ids: list[int]) -> dict[int, str]:
    from sqlalchemy import select

    from personas.models import OutboxItem

    if not item_ids:
        return {}
    rows = s.execute(select(OutboxItem.id, OutboxItem.text).where(OutboxItem.id.in_(item_ids)))
    return {i: t for i, t in rows}
