"""The private community: join requests, realness, approval, members, introductions,
reminders. docs/community.md tells the story; the CLI is `persona community`.

A request comes from a pending follow request to the private persona, a message or
mention to any persona on its network that says a join phrase, or `persona community add`;
one person is one request whatever reports them. Approving follows the person from the
private persona, accepts their follow request where the network can (the sandbox; on X the
owner accepts in X's app, and a later sync confirms it), and sends the welcome message:
each step is stamped when done, so a run that dies between two resumes where it stopped
and never follows or welcomes twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from personas import activity, db, realness
from personas import state_accounts as owner
from personas.clock import Clock
from personas.community_tables import (
    APPROVED,
    AWAITING,
    DENIED,
    PENDING,
    CommunityCursor,
    CommunityMember,
    JoinRequest,
)
from personas.config import CommunitySettings
from personas.errors import AccessLimited, BadInput, NetworkError, NotFound
from personas.following_tables import FollowRecord
from personas.networks.capabilities import (
    AcceptingRequests,
    Blocking,
    CommunityNetwork,
    require,
)
from router.policy import Persona

if TYPE_CHECKING:
    from personas.context import Context

_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,30})$")
_MENTION = re.compile(r"@\w+")
INTRO_WORDS = 7  # words besides the join phrase and mentions that make an introduction
MANUAL = "manual"
# the network's clock may be behind ours: a message stamped this much before the welcome
# started still counts as the welcome
WELCOME_CLOCK_SLACK = timedelta(seconds=60)
UNKNOWN = "unknown"  # in a stored profile: why it could not be read


def handle_of(text: str) -> str:
    """A handle as typed (with or without @), lower case; BadInput when it cannot be one."""
    m = _HANDLE.match(text.strip())
    if not m:
        if re.match(r"^@?\w{31,}$", text.strip(), re.ASCII):
            raise BadInput(f"not a valid handle: {text[:40]!r} is too long; a handle has at "
                           "most 30 characters")
        raise BadInput(f"not a valid handle: {text[:40]!r}; use letters, digits and _ only, "
                       "at most 30 characters")
    return m.group(1).lower()


def says_join(text: str, phrases: Iterable[str]) -> bool:
    """Does the text say one of the join phrases, as whole words, in any case?"""
    flat = " ".join(text.lower().split())
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", flat) for p in phrases)


def introduction_in(text: str, phrases: Iterable[str]) -> str | None:
    """The text as an introduction, when it says more than the join phrase and mentions."""
    rest = _MENTION.sub(" ", text.lower())
    for p in phrases:
        rest = re.sub(rf"(?<!\w){re.escape(p)}(?!\w)", " ", rest)
    words = re.findall(r"\w+", rest)
    if len(words) < INTRO_WORDS:
        return None
    return words_of(text)


def words_of(text: str) -> str:
    """A message's words, without the mentions it starts with ("@we hello" is "hello")."""
    lead = re.match(r"^\s*(?:@\w+[\s,:]*)*", text)
    return text[lead.end():].strip() if lead else text.strip()


def private_persona(config: object, name: str | None) -> Persona:
    """The private persona a community command acts for: the one named, or the only one."""
    private = [p for p in config.personas if p.private]  # type: ignore[attr-defined]
    if name is not None:
        persona = config.persona(name)  # type: ignore[attr-defined]
        if not persona.private:
            others = ", ".join(p.name for p in private) or "none configured"
            raise BadInput(f"persona {name!r} is public: a community lives on a private "
                           f"persona (private: {others})")
        return persona
    if not private:
        raise BadInput('no private persona in accounts.toml: the community needs one with '
                       'policy = "private-community" (or visibility = "private")')
    if len(private) > 1:
        raise BadInput(f"several private personas ({', '.join(p.name for p in private)}): "
                       "pick one with --persona")
    return private[0]


def channels(config: object, persona: Persona) -> list[Persona]:
    """The personas on the same network whose messages and mentions may ask to join this
    community: the public ones and this one; what another private persona is told is a
    request to that one."""
    return [p for p in config.personas if p.network == persona.network  # type: ignore[attr-defined]
            and (not p.private or p.name == persona.name)]


def areas(config: object, persona: Persona) -> list[tuple[Persona, str]]:
    """The state a community uses, each part made for one account (personas.state_accounts):
    its requests and members, its follow records (approval follows), its cursors in each
    channel."""
    return ([(persona, owner.COMMUNITY), (persona, owner.FOLLOW)]
            + [(c, owner.reads(persona.name)) for c in channels(config, persona)])


def _now(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


@dataclass
class SyncReport:
    persona: str
    new_requests: list[str] = field(default_factory=list)
    sources_added: int = 0
    introductions: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # members' follow requests accepted
    notices: list[str] = field(default_factory=list)
    failures: int = 0  # notices about something not read, that the next sync reads again

    def to_json(self) -> dict[str, object]:
        return {"persona": self.persona, "new_requests": self.new_requests,
                "sources_added": self.sources_added, "introductions": self.introductions,
                "confirmed": self.confirmed, "accepted": self.accepted,
                "notices": self.notices}

    def failure(self) -> NetworkError | None:
        """The error a sync that could not read everything ends with (exit 1), or None."""
        if not self.failures:
            return None
        return NetworkError(f"{self.persona}: {self.failures} source(s) not read (see above); "
                            "what was read is kept, and the next sync tries the rest again")

    def changed(self) -> bool:
        return bool(self.new_requests or self.sources_added or self.introductions
                    or self.confirmed or self.accepted)


@dataclass(frozen=True)
class Row:
    """A join request as `persona community requests` shows it."""

    request: JoinRequest
    score: float
    signals: dict[str, object]
    reasons: list[str]

    @property
    def profile_read(self) -> bool:
        return UNKNOWN not in json.loads(self.request.profile)

    def to_json(self) -> dict[str, object]:
        r = self.request
        sources = json.loads(r.sources)
        return {"handle": r.shown, "source": sources[0] if sources else MANUAL,
                "sources": sources, "status": r.status, "score": self.score,
                "signals": self.signals, "reasons": self.reasons,
                "introduction": r.introduction, "requested_at": r.requested_at,
                "profile_read": self.profile_read}


class Community:
    """One private persona's community, on its network."""

    def __init__(self, ctx: Context, persona: Persona, *,
                 notify: Callable[[str], None] = lambda m: None) -> None:
        self.ctx, self.persona, self.clock, self.notify = ctx, persona, ctx.clock, notify
        config = ctx.config
        self.settings: CommunitySettings = config.community.get(persona.name,
                                                                CommunitySettings())
        self.net: CommunityNetwork = require(
            ctx.network_for(persona), CommunityNetwork,
            f"network {persona.network!r} has no community support; use the sandbox or X")
        # accepting a request through the API: where the network offers it (not X)
        self.accepting = self.net if isinstance(self.net, AcceptingRequests) else None
        self.channels = channels(config, persona)
        self.own = {p.handle.lower() for p in config.personas}
        # state made for another account is not used for this one: the line says the way on
        owner.check(areas(config, persona), f"persona community reset --persona {persona.name}")

    # --- reading the database -------------------------------------------------------------

    def request(self, handle: str) -> JoinRequest | None:
        with db.session() as s:
            return s.get(JoinRequest, (self.persona.name, handle))

    def _member(self, handle: str) -> CommunityMember | None:
        with db.session() as s:
            return s.get(CommunityMember, (self.persona.name, handle))

    def requests(self, statuses: Iterable[str]) -> list[Row]:
        with db.session() as s:
            found = s.exec(select(JoinRequest).where(
                JoinRequest.persona == self.persona.name,
                JoinRequest.status.in_(list(statuses)))  # type: ignore[attr-defined]
                .order_by(JoinRequest.requested_at, JoinRequest.handle)).all()
        return [self.row(r) for r in found]

    def row(self, r: JoinRequest) -> Row:
        profile = json.loads(r.profile)
        signals = realness.Signals.from_json({**profile, "introduced": bool(r.introduction)})
        now = self.clock.now()
        weights = self.settings.weight_map()
        followers, following = signals.followers, signals.following
        shown = {
            "account_age_days": None if signals.created_at is None
            else int(max(now - signals.created_at, 0) // realness.DAY),
            "posts": signals.posts, "followers": followers, "following": following,
            "ratio": None if followers is None or not following
            else round(followers / following, 3),
            "default_avatar": signals.default_avatar,
            "empty_bio": None if signals.bio is None else not signals.bio.strip(),
            "introduced": bool(r.introduction),
        }
        if UNKNOWN in profile:  # a signal not reported counts as passed: not this one
            return Row(r, 0.0, shown, [f"profile not read ({profile[UNKNOWN]}): the next "
                                       "sync reads it again"])
        return Row(r, realness.score(signals, now, weights), shown,
                   realness.reasons(signals, now, weights))

    def members(self, without_intro: bool = False) -> list[CommunityMember]:
        with db.session() as s:
            q = select(CommunityMember).where(CommunityMember.persona == self.persona.name)
            if without_intro:
                q = q.where(CommunityMember.introduction.is_(None))  # type: ignore[union-attr]
            return list(s.exec(q.order_by(CommunityMember.approved_at, CommunityMember.handle)))

    # --- requests ------------------------------------------------------------------------

    def _profile(self, handle: str) -> dict[str, object]:
        account = self.net.profile(self.persona, handle)
        return {**account.signals(), "name": account.name, "id": account.id,
                "handle": account.handle}

    def _open(self, handle: str, shown: str, source: str, profile: dict[str, object],
              intro: str | None, at: datetime, report: SyncReport | None) -> JoinRequest:
        """A new pending request, with its event (and its introduction's), in one commit."""
        now = _now(self.clock)
        made = JoinRequest(persona=self.persona.name, handle=handle, shown=shown,
                           account_id=str(profile.get("id") or "") or None,
                           sources=json.dumps([source]), status=PENDING,
                           profile=json.dumps(profile), requested_at=min(at, now))
        with db.session() as s:
            s.add(made)
            activity.record(s, self.persona.name, activity.REQUEST_RECEIVED, kind="account",
                            subject=handle, detail={"source": source}, at=now)
            if intro:
                self._intro_fields(s, made, intro, now, source)
            s.commit()
        if report is not None:
            report.new_requests.append(shown)
            if intro:
                report.introductions.append(shown)
        return made

    def _intro_fields(self, s: object, req: JoinRequest, text: str, at: datetime,
                      via: str) -> None:
        req.introduction, req.introduced_at = text, at
        s.add(req)  # type: ignore[attr-defined]
        activity.record(s, self.persona.name, activity.INTRODUCTION_RECEIVED,  # type: ignore[arg-type]
                        kind="account", subject=req.handle, detail={"text": text, "via": via},
                        at=at)

    def add(self, handle_text: str, intro: str | None = None) -> tuple[str, JoinRequest]:
        """`persona community add`: a request by hand. Returns what happened and the row."""
        handle = handle_of(handle_text)
        if handle in self.own:
            raise BadInput(f"@{handle} is one of your own personas; add other people")
        existing = self.request(handle)
        now = _now(self.clock)
        if existing is None:
            profile = self._profile(handle)  # NotFound: no such account, exit 2
            return "added", self._open(handle, str(profile.get("handle") or handle), MANUAL,
                                       profile, intro, now, None)
        with db.session() as s:
            req = s.get(JoinRequest, (self.persona.name, handle))
            assert req is not None
            what = "already requested"
            if req.status in (APPROVED, AWAITING):
                what = "already approved"
            elif req.status == DENIED:
                req.status, req.decided_at, req.reason = PENDING, None, None
                what = "reopened"
            sources = json.loads(req.sources)
            if MANUAL not in sources:
                req.sources = json.dumps(sources + [MANUAL])
            if intro and not req.introduction:
                self._intro_fields(s, req, intro, now, MANUAL)
                self._member_intro(s, handle, intro, now)
                what = what if what != "already requested" else "introduction added"
            s.add(req)
            s.commit()
        return what, req

    def _member_intro(self, s: object, handle: str, text: str, at: datetime) -> None:
        member = s.get(CommunityMember, (self.persona.name, handle))  # type: ignore[attr-defined]
        if member is not None and member.introduction is None:
            member.introduction, member.introduced_at = text, at
            s.add(member)  # type: ignore[attr-defined]

    # --- sync ------------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Pull new requests, introductions and member changes; twice changes nothing."""
        report = SyncReport(self.persona.name)
        try:
            pending = self.net.join_requests(self.persona)
        except AccessLimited as e:  # a limit of the access level: said, not retried
            report.notices.append(
                f"{self.persona.name}: pending follow requests not read: {e.message}; see "
                "them in X's app, and add each with `persona community add HANDLE`; messages "
                "and mentions are still read")
            pending = []
        except NetworkError as e:
            report.notices.append(f"{self.persona.name}: pending follow requests not read: "
                                  f"{e.message}")
            report.failures += 1
            pending = []
        for profile in pending:
            req = self.request(profile.handle.lower())
            if req is not None and req.status == APPROVED and self.accepting is not None:
                # a member approved after asking elsewhere now asks to follow: let them in
                if self.accepting.accept(self.persona, req.handle):
                    report.accepted.append(req.shown)
                continue
            data = {**profile.signals(), "name": profile.name, "id": profile.id,
                    "handle": profile.handle}
            self._seen(profile.handle, "follow_request", data, None, _now(self.clock), report)
        self._reread_profiles(report)
        for channel in self.channels:
            self._read(channel, "dm", report)
            self._read(channel, "mention", report)
        self._confirm(report)
        return report

    def _seen(self, shown: str, source: str, profile: dict[str, object] | None,
              intro: str | None, at: datetime, report: SyncReport,
              asked: bool = True) -> None:
        handle = shown.lower()
        req = self.request(handle)
        if req is None:
            if profile is None:
                profile = self._profile_or_unknown(handle, shown, report)
            self._open(handle, shown, source, profile, intro, at, report)
            return
        if req.status != PENDING:
            return  # decided: a denied person asks again through `community add`
        with db.session() as s:
            req = s.get(JoinRequest, (self.persona.name, handle))
            assert req is not None
            if profile is not None and UNKNOWN in json.loads(req.profile):
                req.profile = json.dumps(profile)
                req.account_id = str(profile.get("id") or "") or req.account_id
            sources = json.loads(req.sources)
            if asked and source not in sources:
                req.sources = json.dumps(sources + [source])
                report.sources_added += 1
            if asked:  # they asked earlier elsewhere: the request dates from then
                first = req.requested_at.replace(tzinfo=req.requested_at.tzinfo or UTC)
                req.requested_at = min(first, at)
            if intro and not req.introduction:
                self._intro_fields(s, req, intro, _now(self.clock), source)
                report.introductions.append(req.shown)
            s.add(req)
            s.commit()

    def _profile_or_unknown(self, handle: str, shown: str,
                            report: SyncReport) -> dict[str, object]:
        """Their profile; when it cannot be read (gone, rate-limited, down), a profile marked
        unknown, which never counts as real, and a notice: the next sync reads it again."""
        try:
            return self._profile(handle)
        except (NotFound, NetworkError) as e:
            report.notices.append(f"{self.persona.name}: @{shown}'s profile not read "
                                  f"({e.message}); their request does not count as real "
                                  "until a sync reads it" + (
                                      f" (or deny it: `persona community deny {shown}`)"
                                      if isinstance(e, NotFound) else ""))
            # worth trying again soon; a gone account is not, nor a limit of the access level
            if isinstance(e, NetworkError) and not isinstance(e, AccessLimited):
                report.failures += 1
            return {"handle": shown, UNKNOWN: e.message}

    def _reread_profiles(self, report: SyncReport) -> None:
        """Pending requests whose profile could not be read before: read them again."""
        with db.session() as s:
            pending = s.exec(select(JoinRequest).where(
                JoinRequest.persona == self.persona.name, JoinRequest.status == PENDING)).all()
        for req in pending:
            if UNKNOWN not in json.loads(req.profile):
                continue
            profile = self._profile_or_unknown(req.handle, req.shown, report)
            if UNKNOWN in profile:
                continue
            with db.session() as s:
                row = s.get(JoinRequest, (self.persona.name, req.handle))
                assert row is not None
                row.profile = json.dumps(profile)
                row.account_id = str(profile.get("id") or "") or None
                s.add(row)
                s.commit()

    def _read(self, channel: Persona, kind: str, report: SyncReport) -> None:
        with db.session() as s:
            cursor = s.get(CommunityCursor, (self.persona.name, channel.name, kind))
        since = cursor.last_id if cursor else None
        # the first read of a source goes back `lookback` only, not years of history; until
        # something is read, later reads go back to the same start
        after = None
        if since is None:
            after = cursor.read_from if cursor and cursor.read_from else \
                _now(self.clock) - self.settings.lookback
            after = after.replace(tzinfo=after.tzinfo or UTC)
        try:
            if kind == "dm":
                found = [(m.id, m.sender, m.text, m.created_at)
                         for m in self.net.messages(channel, since, after=after)]
            else:
                found = [(p.id, p.author, p.text, p.created_at)
                         for p in sorted(self.net.mentions(channel, since, after=after),
                                         key=lambda p: int(p.id))]
        except NetworkError as e:
            what = "messages" if kind == "dm" else "mentions"
            report.notices.append(f"{channel.name}: {what} not read: {e.message}")
            if not isinstance(e, AccessLimited):  # a limit of the access level: said, not retried
                report.failures += 1
            return
        for _id, sender, text, at in found:
            if after is not None and at < after:
                continue
            if sender and sender.lower() not in self.own:
                self._consider(channel, kind, sender, text, at, report)
        if found or cursor is None:
            newest = max((f[0] for f in found), key=int) if found else None
            with db.session() as s:
                s.merge(CommunityCursor(reader=self.persona.name, persona=channel.name,
                                        source=kind, last_id=newest,
                                        read_from=None if found else after))
                s.commit()

    def _consider(self, channel: Persona, kind: str, sender: str, text: str, at: datetime,
                  report: SyncReport) -> None:
        """One message or mention: a request, an introduction, or nothing to us."""
        handle = sender.lower()
        to_us = channel.name == self.persona.name
        source = f"{kind}:{channel.name}"
        req = self.request(handle)
        if req is not None and req.status in (APPROVED, AWAITING):
            if to_us:
                self._introduce(req, text, at, source, report)
            return
        member = self._member(handle)
        if req is None and member is not None:  # a member from before requests were kept
            if to_us and member.introduction is None and words_of(text) \
                    and at >= member.approved_at:
                with db.session() as s:
                    self._member_intro(s, handle, words_of(text), _now(self.clock))
                    activity.record(s, self.persona.name, activity.INTRODUCTION_RECEIVED,
                                    kind="account", subject=handle,
                                    detail={"text": words_of(text), "via": source},
                                    at=_now(self.clock))
                    s.commit()
                report.introductions.append(sender)
            return
        phrases = self.settings.join_phrases
        intro = introduction_in(text, phrases)
        if req is None and not says_join(text, phrases):
            return
        if req is not None and req.status == PENDING and not says_join(text, phrases):
            # a requester's message to the private persona introduces them
            if not (to_us and kind == "dm") or not text.strip():
                return
            self._seen(sender, source, None, text.strip(), at, report, asked=False)
            return
        self._seen(sender, source, None, intro, at, report)

    def _introduce(self, req: JoinRequest, text: str, at: datetime, via: str,
                   report: SyncReport) -> None:
        """A member's first message or mention after approval (or one that says enough
        before it) is their introduction."""
        if req.introduction:
            return
        approved = req.decided_at or req.requested_at
        said = introduction_in(text, self.settings.join_phrases)
        if at < approved and said is None:
            return
        words = words_of(text)
        if not words:
            return
        with db.session() as s:
            row = s.get(JoinRequest, (self.persona.name, req.handle))
            assert row is not None
            self._intro_fields(s, row, words, _now(self.clock), via)
            self._member_intro(s, req.handle, words, _now(self.clock))
            s.commit()
        report.introductions.append(req.shown)

    def _confirm(self, report: SyncReport) -> None:
        """X: the approved whom the owner has since accepted in X's app follow the private
        persona now: they become members."""
        with db.session() as s:
            waiting = {r.handle: r for r in s.exec(select(JoinRequest).where(
                JoinRequest.persona == self.persona.name, JoinRequest.status == AWAITING))}
        if not waiting:
            return
        followers: set[str] = set()
        token = None
        try:
            while True:
                page = self.net.followers(self.persona, token, 1000)
                followers.update(a.handle.lower() for a in page.accounts)
                token = page.next_token
                if token is None:
                    break
        except NetworkError as e:
            report.notices.append(f"{self.persona.name}: followers not read, so approvals "
                                  f"awaiting acceptance are not confirmed: {e.message}")
            if not isinstance(e, AccessLimited):  # a limit of the access level: said only
                report.failures += 1
            return
        for handle in sorted(waiting.keys() & followers):
            req = waiting[handle]
            with db.session() as s:
                row = s.get(JoinRequest, (self.persona.name, handle))
                assert row is not None
                row.status = APPROVED
                s.add(row)
                s.merge(CommunityMember(persona=self.persona.name, handle=handle,
                                        approved_at=req.decided_at or _now(self.clock),
                                        introduction=req.introduction,
                                        introduced_at=req.introduced_at))
                # a member from now on: reports count members by it (personas.activity)
                activity.record(s, self.persona.name, activity.JOINED, kind="account",
                                subject=handle, at=_now(self.clock))
                s.commit()
            report.confirmed.append(req.shown)

    # --- decisions ---------------------------------------------------------------------------

    def _known(self, handle_text: str) -> JoinRequest:
        handle = handle_of(handle_text)
        req = self.request(handle)
        if req is None:
            raise NotFound(f"no join request from @{handle} to {self.persona.name!r}; see "
                           f"`persona community requests`, or add one with `persona community "
                           f"add {handle}`")
        return req

    def check_approvable(self, handle_text: str) -> JoinRequest:
        """The request, when `approve` can take it; BadInput or NotFound when not."""
        req = self._known(handle_text)
        if req.status == DENIED:
            raise BadInput(f"@{req.shown}'s request was denied; `persona community add "
                           f"{req.shown}` reopens it")
        return req

    def check_deniable(self, handle_text: str) -> JoinRequest:
        """The request, when `deny` can take it; BadInput or NotFound when not."""
        req = self._known(handle_text)
        if req.status in (APPROVED, AWAITING):
            raise BadInput(f"@{req.shown} is already approved; a member cannot be denied")
        return req

    def render(self, template: str, req: JoinRequest | None, handle: str = "") -> str:
        """A message template filled in: names are cut to the length the configuration
        allowed for, and the message to X's limit for a direct message."""
        from personas.config import TEMPLATE_FIELD_MAX, TEMPLATE_MAX

        shown = req.shown if req else handle
        name = (json.loads(req.profile).get("name") if req else None) or shown
        text = template.format(handle=shown[:TEMPLATE_FIELD_MAX],
                               name=str(name)[:TEMPLATE_FIELD_MAX],
                               persona=self.persona.handle[:TEMPLATE_FIELD_MAX])
        return text[:TEMPLATE_MAX]

    def approve(self, handle_text: str) -> str:
        """Follow, accept where the network can, welcome; each step once. Returns
        "approved", "awaiting" (X: accept in X's app) or "already"."""
        req = self.check_approvable(handle_text)
        if req.status in (APPROVED, AWAITING) and req.welcomed_at is not None:
            return "already"
        if req.followed_at is None:
            result = self.net.follow(self.persona, req.handle)
            self._stamp(req, "followed_at", follow="pending" if result.pending else "following")
        if self.accepting is not None and req.accepted_at is None:
            self.accepting.accept(self.persona, req.handle)  # False: never asked; nothing to accept
            self._stamp(req, "accepted_at")
        if req.welcomed_at is None:
            text = self.render(self.settings.welcome_introduced if req.introduction
                               else self.settings.welcome, req)
            started = req.welcome_started_at
            if started is None or not self._sent(req.handle, started):
                self._stamp(req, "welcome_started_at")
                self.net.send_message(self.persona, req.handle, text)
            self._welcomed(req, text)
        return "approved" if self.accepting is not None else "awaiting"

    def _sent(self, handle: str, started: datetime) -> bool:
        """Did an earlier run's welcome reach them before it died? (A crash between the
        network's acceptance and our record must not send it twice.) Any message from the
        private persona to them since that run started the welcome is the welcome, whatever
        its words: the template may have been edited, an introduction may have changed which
        one is sent, and X rewrites links."""
        mine = self.persona.handle.lower()
        since = started.replace(tzinfo=started.tzinfo or UTC) - WELCOME_CLOCK_SLACK
        return any(m.sender.lower() == mine and m.created_at >= since
                   for m in self.net.conversation(self.persona, handle, after=since))

    def _stamp(self, req: JoinRequest, step: str, follow: str | None = None) -> None:
        now = _now(self.clock)
        with db.session() as s:
            row = s.get(JoinRequest, (self.persona.name, req.handle))
            assert row is not None
            setattr(row, step, now)
            setattr(req, step, now)
            row.decided_at = row.decided_at or now
            req.decided_at = row.decided_at
            s.add(row)
            if follow is not None:
                s.merge(FollowRecord(persona=self.persona.name, handle=req.handle,
                                     state=follow, at=now))
                activity.record(s, self.persona.name, activity.FOLLOWED, kind="account",
                                subject=req.handle,
                                detail={"network": self.persona.network, "member": True},
                                at=now)
            s.commit()

    def _welcomed(self, req: JoinRequest, text: str) -> None:
        now = _now(self.clock)
        status = APPROVED if self.accepting is not None else AWAITING
        with db.session() as s:
            row = s.get(JoinRequest, (self.persona.name, req.handle))
            assert row is not None
            row.welcomed_at, row.status = now, status
            req.welcomed_at, req.status = now, status
            s.add(row)
            if status == APPROVED:
                s.merge(CommunityMember(persona=self.persona.name, handle=req.handle,
                                        approved_at=row.decided_at or now,
                                        introduction=row.introduction,
                                        introduced_at=row.introduced_at))
            activity.record(s, self.persona.name, activity.APPROVED, kind="account",
                            subject=req.handle,
                            detail={"awaiting_acceptance": status == AWAITING}, at=now)
            activity.record(s, self.persona.name, activity.DM_SENT, kind="message",
                            subject=req.handle, detail={"purpose": "welcome", "text": text},
                            at=now)
            s.commit()

    def deny(self, handle_text: str, *, block: bool = False,
             reason: str | None = None) -> str:
        """Turn a request down (and block, where the network can). Returns "denied",
        "already" or "blocked" (denied before, blocked now)."""
        req = self.check_deniable(handle_text)
        if req.status == DENIED and (req.blocked or not block):
            return "already"
        if req.status == PENDING and self.accepting is not None:
            self.accepting.reject(self.persona, req.handle)
        blocked = False
        if block:
            if isinstance(self.net, Blocking):
                self.net.block(self.persona, req.handle)
                blocked = True
            else:
                self.notify(f"{self.persona.network} offers no way to block through its API "
                            f"here: block @{req.shown} in its app")
        now = _now(self.clock)
        was = req.status
        with db.session() as s:
            row = s.get(JoinRequest, (self.persona.name, req.handle))
            assert row is not None
            row.status, row.blocked = DENIED, row.blocked or blocked
            if was != DENIED:
                row.decided_at, row.reason = now, reason
                activity.record(s, self.persona.name, activity.DENIED, kind="account",
                                subject=req.handle,
                                detail={"text": reason, "blocked": blocked}, at=now)
            s.add(row)
            s.commit()
        return "denied" if was != DENIED else "blocked"

    def real_pending(self) -> list[Row]:
        """Pending requests at or above the realness threshold, the likeliest first."""
        rows = [r for r in self.requests([PENDING]) if r.score >= self.settings.min_realness
                and r.profile_read]
        return sorted(rows, key=lambda r: (-r.score, r.request.handle))

    # --- reminders ---------------------------------------------------------------------------

    def reminded_enough(self, member: CommunityMember) -> bool:
        """Has this member had every reminder `max_reminders` allows? Then none follows."""
        return member.reminders >= self.settings.max_reminders

    def done_reminding(self) -> list[CommunityMember]:
        """Members without an introduction who will get no more reminders."""
        return [m for m in self.members(without_intro=True) if self.reminded_enough(m)]

    def remind(self) -> list[str]:
        """Message members without an introduction, at most once per `remind_every` each
        (counted from approval, then from the last reminder), and at most `max_reminders`
        times in all: nobody is messaged for ever. A reminder is claimed in the database
        before it is sent: two runs at once send it once."""
        from sqlalchemy import update

        now = _now(self.clock)
        every, most = self.settings.remind_every, self.settings.max_reminders
        sent = []
        for member in self.members(without_intro=True):
            last = member.reminded_at or member.approved_at
            if now - last < every or self.reminded_enough(member):
                continue
            with db.engine().begin() as conn:
                table = CommunityMember.__table__  # type: ignore[attr-defined]
                same = (table.c.reminded_at.is_(None) if member.reminded_at is None
                        else table.c.reminded_at == member.reminded_at)
                taken = conn.execute(update(table).where(
                    table.c.persona == self.persona.name, table.c.handle == member.handle,
                    table.c.introduction.is_(None), table.c.reminders < most, same).values(
                    reminded_at=now, reminders=member.reminders + 1))
            if taken.rowcount != 1:
                continue  # another run took it, or they introduced themselves meanwhile
            req = self.request(member.handle)
            text = self.render(self.settings.reminder, req, member.handle)
            try:
                self.net.send_message(self.persona, member.handle, text)
            except Exception:
                with db.session() as s:  # not sent: the next run tries again
                    row = s.get(CommunityMember, (self.persona.name, member.handle))
                    if row is not None:
                        row.reminded_at, row.reminders = member.reminded_at, member.reminders
                        s.add(row)
                        s.commit()
                raise
            with db.session() as s:
                activity.record(s, self.persona.name, activity.DM_SENT, kind="message",
                                subject=member.handle,
                                detail={"purpose": "reminder", "text": text}, at=now)
                s.commit()
            sent.append(req.shown if req else member.handle)
        return sent


def reset(config: object, name: str | None, *, keep: bool) -> list[owner.Mismatch]:
    """`persona community reset`: the community's state made for another account cleared
    (or, with `keep`, handed to the account named now). What was reset; [] for nothing."""
    persona = private_persona(config, name)
    return owner.reset(areas(config, persona), keep=keep)


def community(ctx: Context, name: str | None = None, *,
               notify: Callable[[str], None] = lambda m: None) -> Community:
    """The community of the private persona `name` (the only one when None), on the
    context's clock."""
    persona = private_persona(ctx.config, name)
    return Community(ctx, persona, notify=notify)
