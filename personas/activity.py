"""The activity log's vocabulary, and the one way to write to it.

Every action a persona takes or receives is one `Event` row, written through `record()`, so
that reports can count any action without knowing which command produced it. Conventions
for `detail` (a JSON object) that reports read:

- `followed`: `{"back": true}` when it followed back someone who follows the persona.
- `refused`: `{"reason": "..."}`, why the persona (or its network) turned an item down.
- `approved`: `{"awaiting_acceptance": true}` when the member is only let in once the owner
  accepts in the network's app; `joined` records that moment.
- `dm_sent`, `introduction_received`: the words go under `text`; they are private.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from personas.models import Event

POSTED, REPLIED, REPOSTED, QUOTED = "posted", "replied", "reposted", "quoted"
IMPORTED = "imported"
# The outbox keys of items that carry a post into a private persona (personas.carry): once
# out, they are logged as IMPORTED rather than by their kind.
CARRY_KEY_PREFIX = "carry:"
FOLLOWED, UNFOLLOWED = "followed", "unfollowed"
REQUEST_RECEIVED, APPROVED, DENIED = "request_received", "approved", "denied"
# where an approval waits for the owner to accept the follow request in the network's app
# (X), the member is let in later: this is when
JOINED = "joined"
DM_SENT, INTRODUCTION_RECEIVED = "dm_sent", "introduction_received"
REFUSED = "refused"

ACTIONS = (POSTED, REPLIED, REPOSTED, QUOTED, IMPORTED, FOLLOWED, UNFOLLOWED,
           REQUEST_RECEIVED, APPROVED, JOINED, DENIED, DM_SENT, INTRODUCTION_RECEIVED, REFUSED)
# Actions that put an item on a network: reports count them as items, by kind.
PUBLISHED = (POSTED, REPLIED, REPOSTED, QUOTED, IMPORTED)
# What each item kind is called in the log once it is out.
BY_KIND = {"original": POSTED, "link": POSTED, "reply": REPLIED, "repost": REPOSTED,
           "quote": QUOTED}
# Actions whose words are private whatever the persona; a private persona's are all private.
PRIVATE_ACTIONS = (DM_SENT, INTRODUCTION_RECEIVED)
# Keys of `detail` that hold someone's words; left out of reports unless asked for.
PRIVATE_KEYS = ("text", "message", "introduction")


def record(session: Session, persona: str, action: str, *, kind: str | None = None,
           subject: str | None = None, item_id: int | None = None,
           remote_id: str | None = None, detail: dict[str, object] | None = None,
           at: datetime | None = None) -> Event:
    """Add one event to the session (the caller commits, with the change it belongs to)."""
    from personas.models import Event, utcnow

    if action not in ACTIONS:
        raise ValueError(f"unknown activity {action!r}; add it to personas.activity.ACTIONS")
    event = Event(persona=persona, action=action, kind=kind, subject=subject, item_id=item_id,
                  remote_id=remote_id, at=at or utcnow(),
                  detail=None if detail is None else json.dumps(detail, ensure_ascii=False))
    session.add(event)
    return event


def is_private(action: str, persona_private: bool) -> bool:
    """Are this event's words for the persona's members only?"""
    return persona_private or action in PRIVATE_ACTIONS


def redact(detail: str | None) -> str | None:
    """The detail without anyone's words (keys in PRIVATE_KEYS)."""
    if not detail:
        return detail
    try:
        data = json.loads(detail)
    except ValueError:
        return None  # not ours to interpret: leave it out rather than leak it
    if not isinstance(data, dict):
        return None
    return json.dumps({k: v for k, v in data.items() if k not in PRIVATE_KEYS},
                      ensure_ascii=False)
