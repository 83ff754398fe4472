"""Which account a persona's state belongs to, and never using it for another.

State kept under a persona's name was made on one account: whom it followed (and must
never follow again), where its sweep is, its community's requests and members, how far the
community has read each persona's messages and mentions. When accounts.toml points the
persona at another account (another network, handle, or verified account id), that state
is wrong there: a rehearsal's follow records would keep real followers from being followed
back, sandbox members would pass for members on X, a cursor in one network's ids would skip
or repeat another's messages. So each area records its account when first used, and a
command that would use it for another account stops, with one line naming the explicit
way on: reset it (start afresh for the new account), or keep it (the same account, renamed
or under a network renamed in accounts.toml).

Areas: `follow` (follow_sweeps, follow_queue, follow_records of the persona), `community`
(join_requests, community_members of the private persona) and `reads:READER` (the cursors
with which READER's community reads this persona's messages and mentions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from personas.errors import BadInput

if TYPE_CHECKING:
    from router.policy import Persona

FOLLOW, COMMUNITY = "follow", "community"


def reads(reader: str) -> str:
    """The area of the cursors with which `reader`'s community reads a persona."""
    return f"reads:{reader}"


class AccountChanged(BadInput):
    """State made for one account would be used for another: nothing was done."""


@dataclass(frozen=True)
class Account:
    network: str
    handle: str  # lower case, without @
    account_id: str | None  # the id verified at login; None where there is none (sandbox)

    def __str__(self) -> str:
        return f"@{self.handle} on {self.network}" + (
            f" (account {self.account_id})" if self.account_id else "")

    def same(self, other: Account) -> bool:
        """The same account: by verified id where both have one (a renamed handle is the
        same account), else by handle; never across networks."""
        if self.network != other.network:
            return False
        if self.account_id and other.account_id:
            return self.account_id == other.account_id
        return self.handle == other.handle


def current(persona: Persona) -> Account:
    """The account accounts.toml names for the persona now (no network request)."""
    from personas import verified

    return Account(persona.network, persona.handle.lstrip("@").lower(),
                   verified.account_id(persona.name, persona.network, persona.handle))


@dataclass(frozen=True)
class Mismatch:
    persona: Persona
    area: str
    was: Account
    now: Account

    def what(self) -> str:
        if self.area == FOLLOW:
            return "follow state"
        if self.area == COMMUNITY:
            return "community (requests and members)"
        return f"read cursors kept by persona {self.area.split(':', 1)[1]!r}"

    def done(self, keep: bool) -> str:
        """What resetting it did, in one line."""
        if keep:
            return (f"{self.persona.name}: {self.what()} of {self.was} kept for {self.now}, "
                    "as the same account")
        return (f"{self.persona.name}: {self.what()} of {self.was} cleared; it starts "
                f"afresh for {self.now}")

    def to_json(self, keep: bool) -> dict[str, object]:
        return {"persona": self.persona.name, "area": self.area, "was": str(self.was),
                "now": str(self.now), "kept": keep}

    def phrase(self) -> str:
        """What it is and whose, for the refusal: "the follow state of persona 'you' (@you on
        sandbox, now @jesseslinks on x (account 2))"."""
        name = self.persona.name
        if self.area == FOLLOW:
            what = f"the follow state of persona {name!r}"
        elif self.area == COMMUNITY:
            what = f"the community of persona {name!r} (requests and members)"
        else:
            what = (f"the cursors of persona {self.area.split(':', 1)[1]!r} in the messages and "
                    f"mentions of persona {name!r}")
        return f"{what} ({self.was}, now {self.now})"

    def command(self) -> str:
        if self.area == FOLLOW:
            return f"persona follow reset {self.persona.name}"
        reader = self.persona.name if self.area == COMMUNITY else self.area.split(":", 1)[1]
        return f"persona community reset --persona {reader}"


def refusal(found: list[Mismatch], command: str | None = None) -> str:
    """One line: what would have been carried to another account, and the way on (the
    `command` that resets all of it, else each area's own)."""
    commands = [f"`{command}`"] if command else list(dict.fromkeys(
        f"`{m.command()}`" for m in found))
    return ("state made for another account is not carried over to the one accounts.toml "
            f"names now: {', '.join(m.phrase() for m in found)}; nothing was done: "
            f"{' and '.join(commands)} {'starts' if len(commands) == 1 else 'start'} afresh "
            "for the new account (add --keep if it is the same account)")


def check(pairs: Iterable[tuple[Persona, str]], command: str | None = None) -> None:
    """Record the account of each (persona, area) used for the first time; AccountChanged,
    naming every area to reset and the `command` that does (else each area's own), when
    one belongs to another account and holds state."""
    found = mismatches(pairs)
    if found:
        raise AccountChanged(refusal(found, command))


def mismatches(pairs: Iterable[tuple[Persona, str]]) -> list[Mismatch]:
    """The areas that belong to another account (recording the others, as `check`)."""
    return [m for persona, area in pairs if (m := _mismatch(persona, area)) is not None]


def _mismatch(persona: Persona, area: str) -> Mismatch | None:
    from personas import db
    from personas.following_tables import StateAccount

    now = current(persona)
    with db.session() as s:
        row = s.get(StateAccount, (persona.name, area))
    if row is None:
        _claim(persona.name, area, now, replace=False)
        return None
    was = Account(row.network, row.handle, row.account_id)
    if was.same(now):
        if (was.handle, was.account_id) != (now.handle, now.account_id or was.account_id):
            # the verified id learnt since, or the handle renamed on the same account
            _claim(persona.name, area, Account(now.network, now.handle,
                                               now.account_id or was.account_id), replace=True)
        return None
    if not holds_state(persona.name, area):  # nothing would be carried: it is the new one's
        _claim(persona.name, area, now, replace=True)
        return None
    return Mismatch(persona, area, was, now)


def _claim(persona: str, area: str, account: Account, *, replace: bool) -> None:
    """Record the account (the first to claim an area wins, unless `replace`)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from personas import db
    from personas.following_tables import StateAccount
    from personas.models import utcnow

    values = {"persona": persona, "area": area, "network": account.network,
              "handle": account.handle, "account_id": account.account_id, "at": utcnow()}
    engine = db.engine()
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(StateAccount.__table__).values(**values)  # type: ignore[attr-defined]
    if replace:
        insert = insert.on_conflict_do_update(
            index_elements=["persona", "area"],
            set_={k: v for k, v in values.items() if k not in ("persona", "area")})
    else:
        insert = insert.on_conflict_do_nothing()
    with engine.begin() as conn:
        conn.execute(insert)


def holds_state(persona: str, area: str) -> bool:
    """Is there anything in the area to carry over?"""
    from sqlmodel import select

    from personas import db
    from personas.community_tables import CommunityCursor, CommunityMember, JoinRequest
    from personas.following_tables import FollowQueue, FollowRecord, FollowSweep

    if area == FOLLOW:
        queries = [select(FollowRecord.handle).where(FollowRecord.persona == persona),
                   select(FollowQueue.handle).where(FollowQueue.persona == persona),
                   select(FollowSweep.persona).where(FollowSweep.persona == persona,
                                                     FollowSweep.known != "[]")]
    elif area == COMMUNITY:
        queries = [select(JoinRequest.handle).where(JoinRequest.persona == persona),
                   select(CommunityMember.handle).where(CommunityMember.persona == persona)]
    else:
        reader = area.split(":", 1)[1]
        queries = [select(CommunityCursor.source).where(CommunityCursor.reader == reader,
                                                        CommunityCursor.persona == persona)]
    with db.session() as s:
        return any(s.exec(q.limit(1)).first() is not None for q in queries)


# --- the explicit ways on ----------------------------------------------------------------------

def reset(pairs: list[tuple[Persona, str]], *, keep: bool) -> list[Mismatch]:
    """Of these (persona, area), those that belong to another account: cleared (or, with
    `keep`, handed to the account named now), and recorded as the current account's.
    Returns what was reset; [] when every area already belongs to its current account."""
    from personas import db

    found = mismatches(pairs)
    if not found:
        return []
    with db.session() as s:
        if not keep:
            for m in found:
                _clear(s, m.persona.name, m.area)
        s.commit()
    for m in found:
        _claim(m.persona.name, m.area, m.now, replace=True)
    return found


def _clear(s: object, persona: str, area: str) -> None:
    from sqlalchemy import delete

    from personas.community_tables import CommunityCursor, CommunityMember, JoinRequest
    from personas.following_tables import FollowQueue, FollowRecord, FollowSweep

    if area == FOLLOW:
        statements = [delete(t).where(t.persona == persona)  # type: ignore[attr-defined]
                      for t in (FollowQueue, FollowRecord, FollowSweep)]
    elif area == COMMUNITY:
        statements = [delete(t).where(t.persona == persona)  # type: ignore[attr-defined]
                      for t in (JoinRequest, CommunityMember)]
    else:
        reader = area.split(":", 1)[1]
        statements = [delete(CommunityCursor).where(CommunityCursor.reader == reader,
                                                    CommunityCursor.persona == persona)]
    for statement in statements:
        s.execute(statement)  # type: ignore[attr-defined]
