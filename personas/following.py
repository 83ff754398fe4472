"""Follow-back sweeps within rate limits, at the least cost in reads.

A sweep has two phases, both persisted so a killed or `--limit`ed sweep resumes where it
stopped: *reading* (followers newest first, until one the last complete sweep knew; or
the approved members) fills a queue, and *following* works through the queue, skipping
whom the rules say to skip, pacing each call by the persona's rate budget. docs/following.md
explains the policy, the limits and the costs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import select

from personas import db, realness
from personas.clock import REAL, Clock
from personas.community_tables import CommunityMember
from personas.config import FollowSettings
from personas.errors import BadInput, NetworkError, NotFound, RateLimited, RemoteRefused
from personas.following_tables import FollowQueue, FollowRecord, FollowSweep
from personas.models import Event
from personas.networks.base import Profile
from personas.networks.capabilities import Following, require
from personas.ratelimit import Budget, until
from router.policy import Persona

if TYPE_CHECKING:
    from personas.context import Context

PAGE = 1000  # X's largest followers page
KNOWN = 20  # newest handles kept from a complete sweep
# An incremental sweep stops once it reads this many of them in a row: one known follower
# alone may be someone who unfollowed and followed again, now on top of the newer ones.
STOP_RUN = 3
MARGIN = 20  # followers read past the expected new ones: room for a few who left
BATCH = 200  # queue rows taken from the database at a time
T = TypeVar("T")
# follow records that settle an account for good: followed already, or never again
FINAL = ("following", "pending", "dropped")


@dataclass
class Report:
    persona: str
    followed: int = 0
    followed_back: int = 0  # of `followed`, those who followed the persona first
    unfollowed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    followers_read: int = 0
    requests: int = 0
    rate_waits: int = 0
    complete: bool = False
    refused_for_rate: int = 0  # target 0: the budget should always see it coming
    queued: int = 0  # what is left to do when the sweep stopped
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {"persona": self.persona, "followed": self.followed,
                "followed_back": self.followed_back, "unfollowed": self.unfollowed,
                "skipped": dict(self.skipped),
                "followers_read": self.followers_read, "requests": self.requests,
                "rate_waits": self.rate_waits, "complete": self.complete}


class _Stop(Exception):
    """A limited run met a used-up window: it stops, and the next run resumes."""


class Progress:
    """Told how the sweep goes; the CLI shows a bar, everything else ignores it."""

    def reading(self, read: int) -> None: ...
    def working(self, done: int, total: int) -> None: ...
    def waiting(self, until_epoch: float) -> None: ...


def now_utc(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


class Sweep:
    """One persona's sweep over one network. Its rate budget listens to the network's rate
    windows while each of its calls is out, beside the process's own observers."""

    def __init__(self, persona: Persona, network: Following, settings: FollowSettings, *,
                 clock: Clock = REAL, private_personas: Iterable[str] = (),
                 notify: Callable[[str], None] = lambda m: None,
                 progress: Progress | None = None) -> None:
        self.persona, self.net, self.settings, self.clock = persona, network, settings, clock
        self.protected = list(private_personas)  # their members are never unfollowed
        self.notify, self.progress = notify, progress or Progress()
        self.budget = Budget(persona.name, dict(network.rate_limits), clock)
        self.report = Report(persona.name)
        self.stop_at_limit = False

    def _learn(self, persona: str, endpoint: str, limit: int, remaining: int,
               reset_at: float) -> None:
        if persona == self.persona.name:
            self.budget.learn(endpoint, limit, remaining, reset_at)

    # --- every network call goes through here --------------------------------------------

    def _call(self, endpoint: str, action: Callable[[], T]) -> T:
        while True:
            wait = self.budget.wait(endpoint)
            if wait > 0:
                reset = self.clock.now() + wait
                if self.stop_at_limit:
                    self.notify(f"{self.persona.name}: the {endpoint} window is used up until "
                                f"{until(reset)}; stopping here: run it again then to resume")
                    raise _Stop
                self.report.rate_waits += 1
                self.notify(f"{self.persona.name}: the {endpoint} window is used up; waiting "
                            f"until {until(reset)}")
                self.progress.waiting(reset)
                self.clock.sleep(wait)
            self.budget.spend(endpoint)
            self.report.requests += 1
            try:
                with self.net.observers.listening(self._learn):
                    return action()
            except RateLimited as e:  # the budget was wrong: believe the network
                self.report.refused_for_rate += 1
                reset = e.reset_at if e.reset_at and e.reset_at > self.clock.now() else None
                self.budget.refused(endpoint, reset)

    # --- the sweep ----------------------------------------------------------------------

    def run(self, *, full: bool = False, dry_run: bool = False,
            limit: int | None = None) -> Report:
        mode = self.persona.traits.auto_follow
        if mode == "off":
            raise BadInput(f"persona {self.persona.name!r} has auto_follow = \"off\"; set "
                           "auto_follow = \"followers\" or \"members\" in accounts.toml")
        if limit is not None and limit < 1:
            raise BadInput("--limit must be at least 1")
        self.report.dry_run = dry_run
        # with --limit, a run does what the window allows and stops rather than wait
        self.stop_at_limit = limit is not None
        state = self._state()
        if dry_run:
            return self._plan(state, mode, full)
        if state.phase != "idle":
            self.notify(f"{self.persona.name}: resuming the sweep that was stopped"
                        + ("; --full applies to the next one" if full else ""))
        try:
            if state.phase == "idle":
                state = self._start(state, mode, full)
            if state.phase == "reading":
                self._read(state)
            if state.phase == "following":
                self._work(limit)
        except _Stop:
            self.report.queued = self._remaining()
        return self.report

    def _state(self) -> FollowSweep:
        with db.session() as s:
            return s.get(FollowSweep, self.persona.name) or FollowSweep(persona=self.persona.name)

    def _save(self, state: FollowSweep, rows: Iterable[object] = ()) -> None:
        with db.session() as s:
            s.merge(state)
            for row in rows:
                s.merge(row)
            s.commit()

    def _start(self, state: FollowSweep, mode: str, full: bool) -> FollowSweep:
        first = state.known == "[]"
        state.full = full or (first and mode == "followers")
        state.expected, state.followers_read = None, 0
        if mode == "followers":
            me = self._me()
            if state.full:
                self.notify(f"{self.persona.name}: a full sweep reads every follower and every "
                            f"followed account: {_cost(me)}")
            elif me is not None and state.audience is not None:
                state.expected = max(me.followers - state.audience, 0)  # type: ignore[operator]
            state.audience = me.followers if me is not None else None
        state.phase, state.cursor, state.head = "reading", None, "[]"
        with db.session() as s:
            for row in s.exec(select(FollowQueue).where(
                    FollowQueue.persona == self.persona.name)):
                s.delete(row)
            s.commit()
        if mode == "members":
            self._queue_members(state)
        else:
            self._save(state)
        return state

    def _me(self) -> Profile | None:
        """The persona's own counts (one request), when the network reports them."""
        try:
            me = self._call("me", lambda: self.net.me(self.persona))
        except (NetworkError, BadInput):  # an estimate only: the sweep can do without
            return None
        return me if isinstance(me, Profile) and me.followers is not None else None

    def _page_size(self, state: FollowSweep) -> int:
        """Pages as large as X allows, except the one expected to reach the known
        followers: it asks for the new ones left plus a margin, not a full 1,000."""
        if state.full or state.expected is None:
            return PAGE
        left = state.expected - state.followers_read
        return PAGE if left < 0 else max(1, min(PAGE, left + MARGIN))

    # --- reading ----------------------------------------------------------------------------

    def _queue_members(self, state: FollowSweep) -> None:
        with db.session() as s:
            members = s.exec(select(CommunityMember).where(
                CommunityMember.persona == self.persona.name)
                .order_by(CommunityMember.approved_at)).all()
            records = {r.handle: r.state for r in s.exec(select(FollowRecord).where(
                FollowRecord.persona == self.persona.name))}
        # whom a follow-back would reach: only worth reading followers for when a member is
        # still to be followed (the usual case, approval having followed them, reads nothing)
        todo = [m for m in members if records.get(m.handle) not in FINAL]
        followers = self._all_followers() if todo else set()
        rows = [FollowQueue(persona=self.persona.name, handle=m.handle, position=i,
                            follower=m.handle.lower() in followers)
                for i, m in enumerate(members)]
        state.phase = "following"
        self._save(state, rows)

    def _all_followers(self) -> set[str]:
        """Every follower's handle: which members followed first, so that following them is
        a follow-back. A private persona's followers are its members, a page or two."""
        found, token = set(), None
        while True:
            page = self._call("followers", lambda t=token: self.net.followers(  # type: ignore[misc]
                self.persona, t, PAGE))
            found.update(a.handle.lower() for a in page.accounts)
            self.report.followers_read += len(page.accounts)
            token = page.next_token
            if token is None:
                return found

    def _read(self, state: FollowSweep) -> None:
        known = set(json.loads(state.known))
        head: list[str] = json.loads(state.head)
        position = self._queue_size()
        run = 0  # known handles in a row: the old head is reached at `STOP_RUN` of them
        stop_run = min(STOP_RUN, len(known))
        while True:
            size = self._page_size(state)
            page = self._call("followers", lambda n=size: self.net.followers(  # type: ignore[misc]
                self.persona, state.cursor, n))
            rows, reached = [], False
            for account in page.accounts:
                run = run + 1 if account.handle.lower() in known else 0
                if not state.full and stop_run and run >= stop_run:
                    reached = True
                    break
                rows.append(FollowQueue(persona=self.persona.name, handle=account.handle.lower(),
                                        position=position, profile=json.dumps(_signals(account)),
                                        follower=True))
                position += 1
            self.report.followers_read += len(page.accounts)
            state.followers_read += len(page.accounts)
            head = list(dict.fromkeys(head + [r.handle for r in rows]))[:KNOWN]
            state.head = json.dumps(head)
            state.cursor = None if reached else page.next_token
            self.progress.reading(self.report.followers_read)
            done = reached or state.cursor is None
            if done and not state.full:
                # the newest known are the new ones, then the older known ones
                state.head = json.dumps(list(dict.fromkeys(head + json.loads(state.known)))
                                        [:KNOWN])
            self._save(state, rows)
            if done:
                break
        if state.full:
            self._reconcile_following()
        state.phase = "following"
        self._save(state)

    def _queue_size(self) -> int:
        with db.session() as s:
            return len(s.exec(select(FollowQueue.handle).where(
                FollowQueue.persona == self.persona.name)).all())

    def _reconcile_following(self) -> None:
        """A full sweep also reads whom we follow: someone we followed who is gone from it
        was unfollowed by hand (or blocked us) and is never followed again; who stopped
        following us is unfollowed when `auto_unfollow` is on."""
        following, token = set(), None
        while True:
            page = self._call("following", lambda t=token: self.net.following(  # type: ignore[misc]
                self.persona, t, PAGE))
            following.update(a.handle.lower() for a in page.accounts)
            token = page.next_token
            if token is None:
                break
        at = now_utc(self.clock)
        with db.session() as s:
            records = {r.handle: r for r in s.exec(select(FollowRecord).where(
                FollowRecord.persona == self.persona.name))}
            for handle, record in records.items():
                if record.state == "following" and handle not in following:
                    record.state, record.at = "dropped", at
                elif record.state in ("pending", "dropped", "unfollowed") \
                        and handle in following:
                    record.state, record.at = "following", at  # accepted, or followed by hand
                s.add(record)
            for handle in following - records.keys():
                s.add(FollowRecord(persona=self.persona.name, handle=handle, state="following",
                                   at=at))
            followers = set(s.exec(select(FollowQueue.handle).where(
                FollowQueue.persona == self.persona.name)).all())
            if self.settings.auto_unfollow:
                members = self._members(s)
                position = len(followers)
                for handle in sorted(following - followers - members):
                    s.add(FollowQueue(persona=self.persona.name, handle=handle,
                                      position=position, action="unfollow"))
                    position += 1
            s.commit()

    def _members(self, s: object) -> set[str]:
        rows = s.exec(select(CommunityMember.handle).where(  # type: ignore[attr-defined]
            CommunityMember.persona.in_(self.protected)))  # type: ignore[attr-defined]
        return {h.lower() for h in rows}

    # --- following ----------------------------------------------------------------------

    def _work(self, limit: int | None) -> None:
        total = self._remaining()
        done = 0
        while True:
            with db.session() as s:
                rows = s.exec(select(FollowQueue).where(
                    FollowQueue.persona == self.persona.name, FollowQueue.status == "todo")
                    .order_by(FollowQueue.position).limit(BATCH)).all()
                records = {r.handle: r.state for r in s.exec(select(FollowRecord).where(
                    FollowRecord.persona == self.persona.name,
                    FollowRecord.handle.in_([r.handle for r in rows])))}  # type: ignore[attr-defined]
            if not rows:
                self._finish()
                return
            rows = self._already_followed(rows, records)
            for row in rows:
                acted = self.report.followed + self.report.unfollowed
                if limit is not None and acted >= limit:
                    self.report.queued = self._remaining()
                    return
                self._one(row, records.get(row.handle))
                done += 1
                self.progress.working(done, total)

    def _already_followed(self, rows: list[FollowQueue],
                          records: dict[str, str]) -> list[FollowQueue]:
        """Mark the rows of accounts already followed done in one go (nothing to do, and
        not a skip: a full sweep queues the whole audience); return the others."""
        done = [r for r in rows if r.action == "follow" and records.get(r.handle) == "following"]
        if done:
            with db.session() as s:
                for row in done:
                    row.status = "done"
                    s.merge(row)
                s.commit()
        return [r for r in rows if r not in done]

    def _remaining(self) -> int:
        with db.session() as s:
            return len(s.exec(select(FollowQueue.handle).where(
                FollowQueue.persona == self.persona.name, FollowQueue.status == "todo")).all())

    def _one(self, row: FollowQueue, record: str | None) -> None:
        if row.action == "unfollow":
            self._call("follow", lambda: self.net.unfollow(self.persona, row.handle))
            self._done(row, "unfollowed", "unfollowed")
            self.report.unfollowed += 1
            return
        if record == "following":
            self._done(row, None, None)  # nothing to do, and not a skip: already followed
            return
        reason = self.skip_reason(row, record)
        if reason is not None:
            self._skip(row, reason)
            return
        try:
            result = self._call("follow", lambda: self.net.follow(self.persona, row.handle))
        except NotFound:
            self._skip(row, "gone")
            return
        except RemoteRefused:
            self._skip(row, "refused")  # suspended, or blocked us: X says no
            return
        state = "pending" if result.pending else "following"
        self._done(row, "followed", state)
        self.report.followed += 1
        self.report.followed_back += row.follower

    def skip_reason(self, row: FollowQueue, record: str | None) -> str | None:
        """Why not to follow this account, or None to follow it."""
        if row.handle.lower() in self.settings.blocklist:
            return "blocklist"
        profile = json.loads(row.profile)
        bio = (profile.get("bio") or "").lower()
        if any(word in bio for word in self.settings.block_keywords):
            return "keyword"
        if record == "pending":
            return "pending"
        if record == "dropped":
            return "unfollowed"
        if profile and not realness.is_real(realness.Signals.from_json(profile),
                                            self.clock.now(), self.settings.min_realness):
            return "spam"
        return None

    def _skip(self, row: FollowQueue, reason: str) -> None:
        self.report.skipped[reason] = self.report.skipped.get(reason, 0) + 1
        row.status, row.reason = "skipped", reason
        self._save_row(row)

    def _done(self, row: FollowQueue, action: str | None, state: str | None) -> None:
        """The queue row, the record and the event in one transaction: a kill leaves all
        three or none."""
        row.status = "done"
        with db.session() as s:
            s.merge(row)
            if state is not None:
                s.merge(FollowRecord(persona=self.persona.name, handle=row.handle, state=state,
                                     at=now_utc(self.clock)))
            if action is not None:
                detail: dict[str, object] = {"network": self.persona.network}
                if action == "followed":  # reports count the follow-backs (personas.activity)
                    detail["back"] = row.follower
                s.add(Event(persona=self.persona.name, action=action, kind="account",
                            subject=row.handle, at=now_utc(self.clock),
                            detail=json.dumps(detail)))
            s.commit()

    def _save_row(self, row: FollowQueue) -> None:
        with db.session() as s:
            s.merge(row)
            s.commit()

    def _finish(self) -> None:
        with db.session() as s:
            state = s.get(FollowSweep, self.persona.name)
            if state is not None:
                if self.persona.traits.auto_follow == "followers":
                    state.known = state.head
                state.phase, state.cursor, state.full = "idle", None, False
                state.completed_at = now_utc(self.clock)
                s.add(state)
            for row in s.exec(select(FollowQueue).where(FollowQueue.persona == self.persona.name)):
                s.delete(row)
            s.commit()
        self.report.complete = True

    # --- a dry run: what a sweep would do, changing nothing -----------------------------------

    def _plan(self, state: FollowSweep, mode: str, full: bool) -> Report:
        if state.phase != "idle":
            rows = self._todo()
        elif mode == "members":
            with db.session() as s:
                rows = [FollowQueue(persona=self.persona.name, handle=m.handle.lower(),
                                    position=0) for m in s.exec(select(CommunityMember).where(
                                        CommunityMember.persona == self.persona.name))]
        else:
            rows = self._peek(state, full or state.known == "[]")
        with db.session() as s:
            records = {r.handle: r.state for r in s.exec(select(FollowRecord).where(
                FollowRecord.persona == self.persona.name))}
        follows = []
        for row in rows:
            record = records.get(row.handle)
            if row.action == "unfollow":
                self.report.unfollowed += 1
            elif record != "following":
                reason = self.skip_reason(row, record)
                if reason:
                    self.report.skipped[reason] = self.report.skipped.get(reason, 0) + 1
                else:
                    follows.append(row)
        if follows and state.phase == "idle" and mode == "members":
            followers = self._all_followers()  # as the sweep would, to know who is back
            for row in follows:
                row.follower = row.handle in followers
        self.report.followed = len(follows)
        self.report.followed_back = sum(row.follower for row in follows)
        return self.report

    def _todo(self) -> list[FollowQueue]:
        with db.session() as s:
            return list(s.exec(select(FollowQueue).where(
                FollowQueue.persona == self.persona.name, FollowQueue.status == "todo")))

    def _peek(self, state: FollowSweep, full: bool) -> list[FollowQueue]:
        known, token, out, run = set(json.loads(state.known)), None, [], 0
        while True:
            page = self._call("followers", lambda t=token: self.net.followers(  # type: ignore[misc]
                self.persona, t, PAGE))
            self.report.followers_read += len(page.accounts)
            for a in page.accounts:
                run = run + 1 if a.handle.lower() in known else 0
                if not full and run >= min(STOP_RUN, len(known)) > 0:
                    return out
                out.append(FollowQueue(persona=self.persona.name, handle=a.handle.lower(),
                                       position=0, profile=json.dumps(_signals(a)),
                                       follower=True))
            token = page.next_token
            if token is None:
                return out


def sweep(context: Context, name: str, *, notify: Callable[[str], None] = lambda m: None,
          progress: Progress | None = None) -> Sweep:
    """The sweep of a configured persona, on its network, on the context's clock."""
    from personas import state_accounts as owner

    persona = context.persona(name)
    config = context.config
    network = require(context.network_for(persona), Following,
                      f"network {persona.network!r} cannot list followers; follow sweeps "
                      "need the sandbox or X")
    # its records, and the members it follows, must be the persona's current account's
    areas = [(persona, owner.FOLLOW)]
    if persona.traits.auto_follow == "members":
        areas.append((persona, owner.COMMUNITY))
    owner.check(areas)
    private = [p.name for p in config.personas if p.private]
    return Sweep(persona, network, config.follow.get(name, FollowSettings()),
                 clock=context.clock,
                 private_personas=private, notify=notify, progress=progress)


def reset(context: object, name: str, *, keep: bool) -> list[object]:
    """`persona follow reset`: the persona's follow state made for another account cleared
    (or, with `keep`, handed to the account named now). What was reset; [] for nothing."""
    from personas import state_accounts as owner

    persona = context.persona(name)  # type: ignore[attr-defined]
    return owner.reset([(persona, owner.FOLLOW)], keep=keep)  # type: ignore[return-value]


def _cost(me: Profile | None) -> str:
    if me is None:
        return f"one request per {PAGE} accounts"
    followers, following = me.followers or 0, me.following or 0
    pages = max(math.ceil(followers / PAGE), 1) + max(math.ceil(following / PAGE), 1)
    return (f"{followers} followers and {following} followed, about {pages} read requests "
            f"({followers + following} records)")


def _signals(account: object) -> dict[str, object]:
    return account.signals() if isinstance(account, Profile) else {}


def members(persona: str) -> list[str]:
    with db.session() as s:
        return [m.handle for m in s.exec(select(CommunityMember).where(
            CommunityMember.persona == persona))]


def add_member(persona: str, handle: str, at: datetime | None = None) -> None:
    """Record an approved member (what the community feature will do on approval)."""
    with db.session() as s:
        s.merge(CommunityMember(persona=persona, handle=handle.lstrip("@").lower(),
                                approved_at=at or datetime.now(UTC)))
        s.commit()
