"""The outbox: enqueue -> claim -> send -> record; retry; reconcile.

An item is committed, with its idempotency key, before any network call; the result is
committed after it. A claim is one conditional UPDATE inside a transaction that holds the
persona's lock (SQLite: the write lock; PostgreSQL: an advisory lock and FOR UPDATE SKIP
LOCKED), so two workers never send the same item, and a persona's items go out one at a
time, in order. An item left in `sending` by a crash is reconciled against the network's
timeline before it is sent again.
"""

from __future__ import annotations

import json
import os
import random
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy import select as core_select
from sqlmodel import select

from personas import db, ratelimit
from personas.activity import BY_KIND, CARRY_KEY_PREFIX, IMPORTED
from personas.errors import (
    BadInput,
    CredentialsRejected,
    Duplicate,
    Held,
    NetworkError,
    NotFound,
    RateLimited,
    RemoteRefused,
    Transient,
)
from personas.models import DUE_AT, OutboxItem, Status, StoredItem, utcnow
from personas.networks.base import RemotePost, Sent, same_text
from personas.networks.capabilities import Posting
from router.decide import Decision
from router.items import Item
from router.policy import Persona

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=10)  # a claim older than this, by a worker we cannot see, is stale
RECONCILE_SLACK = timedelta(minutes=2)  # clock skew between us and the network
ITEMS = OutboxItem.__table__  # type: ignore[attr-defined]
Row = OutboxItem | StoredItem  # loaded through the ORM, or just stored by the outbox

# The statements every post runs, below SQLAlchemy (see db.raw): with the ORM, or Core,
# building a row and its statement cost more than SQLite's commit.
_STORED = ("key", "persona", "network", "kind", "text", "target", "reason", "status",
           "created_at", "updated_at", "scheduled_at", "attempts", "claimed_by", "claimed_at",
           "media", "account", "unsure")  # the other columns of a new item are NULL
_INSERT_ITEM = (f"INSERT INTO items ({', '.join(_STORED)}) "
                f"VALUES ({', '.join(':' + c for c in _STORED)})")
_MARK_SENT = ("UPDATE items SET status = :status, remote_id = :remote_id, url = :url, "
              "sent_at = :sent_at, updated_at = :updated_at, last_error = NULL, "
              "next_attempt_at = NULL, unsure = :unsure WHERE id = :id")
_MARK_SENT_IF_SENDING = _MARK_SENT + " AND status = :sending"  # a held result (db.later)
_QUEUED, _SENDING, _SENT = Status.QUEUED.value, Status.SENDING.value, Status.SENT.value
_HELD = Status.HELD.value
_COLUMNS = tuple(c.name for c in ITEMS.columns)
_TIMES = frozenset(c.name for c in ITEMS.columns if c.name.endswith("_at"))
# The claim: the first due item, in the order items are due, of a persona with nothing in
# flight. It walks ix_items_status_due from the front and stops at the first that
# qualifies, so its cost does not grow with the queue (bench/worker_drain.py).
_NEXT_DUE = ("SELECT id, persona FROM items WHERE status = :queued AND "
             f"{DUE_AT} <= :now "
             "AND (next_attempt_at IS NULL OR next_attempt_at <= :now) "
             "AND persona NOT IN (SELECT persona FROM items WHERE status = :sending){skip} "
             f"ORDER BY {DUE_AT}, id LIMIT 1")
_SENDING_CLAIMS = "SELECT id, claimed_by, claimed_at FROM items WHERE status = :sending"
_IN_FLIGHT = ("SELECT id, claimed_by, claimed_at FROM items WHERE status = :sending AND "
              "persona = :persona AND claimed_by != :me")
_BUSY = "SELECT 1 FROM items WHERE status = :sending AND persona = :persona LIMIT 1"
_CLAIM = ("UPDATE items SET status = :sending, claimed_by = :worker, claimed_at = :now, "
          "updated_at = :now, attempts = attempts + 1 WHERE id = :id AND status = :queued "
          f"RETURNING {', '.join(_COLUMNS)}")
_INSERT_EVENT = ("INSERT INTO events (at, persona, action, kind, subject, item_id, remote_id, "
                 "detail) VALUES (:at, :persona, :action, :kind, :subject, :item_id, "
                 ":remote_id, :detail)")


def new_key() -> str:
    return os.urandom(16).hex()  # 128 random bits, as uuid4().hex, without its bookkeeping


def worker_id() -> str:
    """host:pid, the claim of this process (made once per process: every post asks)."""
    global _worker_id
    if _worker_id is None:
        _worker_id = f"{socket.gethostname()}:{os.getpid()}"
    return _worker_id


def _forget_worker_id() -> None:
    global _worker_id
    _worker_id = None


_worker_id: str | None = None
os.register_at_fork(after_in_child=_forget_worker_id)  # a child claims as itself


def enqueue(item: Item, decision: Decision, persona: Persona, *,
            scheduled_at: datetime | None = None, key: str | None = None,
            media: list[dict[str, str]] | None = None) -> StoredItem:
    """Store an item for the worker to send (at `scheduled_at`, else as soon as it can)."""
    row, _ = _store(item, decision, persona, scheduled_at=scheduled_at, key=key, media=media)
    return row


def store_claimed(item: Item, decision: Decision, persona: Persona, *, key: str | None = None,
                  media: list[dict[str, str]] | None = None) -> tuple[StoredItem, float]:
    """Store an item already claimed by this process, which sends it next (as `persona
    post` does), and read its rate budget in the same transaction. Returns the row and the
    time (epoch seconds) from which the budget allows the call, 0 for now, for
    `send(..., ready_at=)`. The results `db.later` holds (the last post's) are committed
    in the same transaction, before the request."""
    return _store(item, decision, persona, key=key, media=media, claim_for=worker_id())


def _store(item: Item, decision: Decision, persona: Persona, *,
           scheduled_at: datetime | None = None, key: str | None = None,
           media: list[dict[str, str]] | None = None,
           claim_for: str | None = None) -> tuple[StoredItem, float]:
    now = utcnow()
    stamp = db.to_db(now)
    claimed = claim_for is not None
    values: dict[str, object] = {  # as stored; the times become datetimes again below
        "key": key or new_key(), "persona": persona.name, "network": persona.network,
        "kind": item.kind.value, "text": item.text, "target": item.target,
        "reason": decision.reasons[persona.name], "status": _SENDING if claimed else _QUEUED,
        "created_at": stamp, "updated_at": stamp, "scheduled_at": db.to_db(scheduled_at),
        "attempts": 1 if claimed else 0, "claimed_by": claim_for,
        "claimed_at": stamp if claimed else None, "media": json.dumps(media) if media else None,
        "account": persona.account or None, "unsure": False}
    ready_at = 0.0
    with db.raw() as cursor:
        if claimed and _in_flight(cursor, persona.name, claim_for) is not None:
            # one item of a persona on the network at a time: this one waits its turn
            # behind the one another process is sending (the worker sends it)
            values.update(status=_QUEUED, attempts=0, claimed_by=None, claimed_at=None)
            claimed = False
        if db.postgres():
            cursor.execute(db.sql(_INSERT_ITEM + " RETURNING id"), values)
            values["id"] = cursor.fetchone()[0]
        else:
            cursor.execute(db.sql(_INSERT_ITEM), values)
            values["id"] = cursor.lastrowid
        if claimed:
            ready_at = ratelimit.Budget(persona.name, {}).ready_at(_endpoint(item.kind.value),
                                                                  cursor)
    values.update(created_at=now, updated_at=now, scheduled_at=scheduled_at,
                  claimed_at=now if claimed else None, next_attempt_at=None, last_error=None,
                  remote_id=None, url=None, sent_at=None)
    return StoredItem(values), ready_at


def _in_flight(cursor, persona: str, me: str | None) -> int | None:  # type: ignore[no-untyped-def]
    """The item of this persona another live process is sending, if any, read under the
    persona's lock (SQLite: the write lock, taken now; PostgreSQL: the advisory lock the
    claim takes), so that no claim can slip in between this look and the store."""
    if db.postgres():
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%(p)s::text))",
                       {"p": "persona:" + persona})
    elif not cursor.connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")
    cursor.execute(db.sql(_IN_FLIGHT), {"sending": _SENDING, "persona": persona, "me": me or ""})
    host = socket.gethostname()
    now = utcnow()
    for item_id, by, at in cursor.fetchall():
        if not _abandoned(by, db.from_db(at), host, now):
            return int(item_id)
    return None


def _endpoint(kind: str) -> str:
    """The rate-limit bucket sending an item of this kind counts against."""
    return "repost" if kind == "repost" else "create_post"


def get(item_id: int) -> OutboxItem:
    with db.session() as s:
        row = s.get(OutboxItem, item_id)
    if row is None:
        raise NotFound(f"no outbox item {item_id}; see `persona queue --status all`")
    return row


# --- claiming ----------------------------------------------------------------------------

def claim(item_id: int, worker: str) -> OutboxItem | None:
    """Move one queued item to `sending` for this worker; None if someone else has it."""
    now = utcnow()
    with db.engine().begin() as conn:
        result = conn.execute(
            update(ITEMS)
            .where(ITEMS.c.id == item_id, ITEMS.c.status == Status.QUEUED)
            .values(status=Status.SENDING, claimed_by=worker, claimed_at=now, updated_at=now,
                    attempts=ITEMS.c.attempts + 1)
        )
        if result.rowcount != 1:
            return None
        found = conn.execute(core_select(ITEMS).where(ITEMS.c.id == item_id)).mappings().one()
    return OutboxItem(**found)


def claim_next(worker: str, skip: set[str] = frozenset(), now: datetime | None = None,  # type: ignore[assignment]
               ) -> StoredItem | None:
    """Claim the oldest due item of a persona that has nothing in flight; None when idle.
    One short transaction per try; a persona another worker is claiming for is passed over
    (PostgreSQL), and SQLite's write lock makes the claims of all workers one at a time."""
    stamp = db.to_db(now or utcnow())
    passed = set(skip)
    db.flush()  # what this process holds for later goes first, in its own transaction
    while True:
        with db.raw() as cursor:
            postgres = db.postgres()
            if not postgres:
                cursor.execute("BEGIN IMMEDIATE")  # one claimer at a time; readers go on
            names = sorted(passed)
            params: dict[str, object] = {"queued": _QUEUED, "sending": _SENDING, "now": stamp,
                                         **{f"s{i}": n for i, n in enumerate(names)}}
            skip_sql = (" AND persona NOT IN ({})".format(", ".join(
                f":s{i}" for i in range(len(names)))) if names else "")
            query = _NEXT_DUE.format(skip=skip_sql)
            cursor.execute(db.sql(query + (" FOR UPDATE SKIP LOCKED" if postgres else "")),
                           params)
            found = cursor.fetchone()
            if found is None:
                return None
            item_id, persona = found
            if postgres:
                # a persona's items go one at a time: whoever holds its lock claims for it
                cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%(p)s::text))",
                               {"p": "persona:" + persona})
                if not cursor.fetchone()[0]:
                    passed.add(persona)
                    continue
                cursor.execute(db.sql(_BUSY), {"sending": _SENDING, "persona": persona})
                if cursor.fetchone() is not None:  # claimed since the walk read it
                    passed.add(persona)
                    continue
            cursor.execute(db.sql(_CLAIM), {**params, "id": item_id, "worker": worker})
            rows = cursor.fetchall()
            row = rows[0] if rows else None
            if row is None:  # gone since the walk read it (PostgreSQL: another claim)
                continue
            return _stored(row)


def _stored(row: tuple[object, ...]) -> StoredItem:
    """A row of `_COLUMNS` read through the driver, with its times as aware UTC times."""
    values = dict(zip(_COLUMNS, row, strict=True))
    for name in _TIMES:
        values[name] = db.from_db(values[name])  # type: ignore[arg-type]
    values["unsure"] = bool(values["unsure"])
    return StoredItem(values)


# --- sending -----------------------------------------------------------------------------

def send(row: Row, network: Posting, persona: Persona, *,
         ready_at: float | None = None, record_later: bool = False) -> Row:
    """Publish a claimed item and record the outcome; re-raises the network's error.
    `ready_at`: the rate budget as `store_claimed` read it (else it is read here).
    `record_later`: a success is committed with the process's next transaction (see
    `db.later`), as `persona post` does; a failure is always recorded at once.

    An item goes only to the account it was stored for (`Held` otherwise). One whose last
    attempt may have reached the network is looked for there before it is sent again, and
    so is each retry after an answer that did not come: a create is never repeated blind."""
    if row.account and persona.account and row.account != persona.account:
        raise hold(row, persona)
    extra = {"media": json.loads(row.media)} if row.media else {}
    retries = network.retries
    unsure = bool(row.unsure)
    for attempt in range(retries + 1):
        try:
            if unsure:
                found = find_sent(row, network, persona)
                if found is not None:
                    return _record_sent(row, found, how='{"found": "after a lost answer"}',
                                        later=record_later)
            ratelimit.check(persona.name, persona.handle, _endpoint(row.kind),
                            ready_at=ready_at if attempt == 0 else None)
            sent = network.publish(persona, kind=row.kind, text=row.text, target=row.target,
                                   idempotency_key=row.key, **extra)
        except Duplicate as e:
            # A retried item the network calls a duplicate may be our own earlier attempt,
            # which landed before a crash or a lost answer: find it rather than fail the item.
            found = _earlier_attempt(row, network, persona) if (
                unsure or row.attempts > 1) else None
            if found is None:
                _record_failure(row, e)
                raise
            return _record_sent(row, found, how='{"found": "duplicate"}', later=record_later)
        except Transient as e:
            unsure = unsure or e.unsure
            if attempt < retries and not isinstance(e, RateLimited):
                _pause(network, attempt)
                continue
            _record_failure(row, e, unsure=unsure)
            raise
        except NetworkError as e:
            _record_failure(row, e, unsure=unsure)
            raise
        except Exception as e:  # anything else must not leave the item claimed forever
            _record_failure(row, Transient(f"{type(e).__name__}: {e}"), unsure=True)
            raise
        return _record_sent(row, sent, later=record_later)
    raise AssertionError("unreachable")


def _pause(network: Posting, attempt: int) -> None:
    """Before the next try of a failed request: backoff with jitter, the network's own."""
    import time

    base = float(network.backoff)
    time.sleep(base * 2 ** attempt * (1 + random.random()))


IN_FLIGHT_WARNING = ("it was being sent there when its worker stopped, so it may have gone "
                     "out there: look before you retarget it")


def hold(row: Row, persona: Persona) -> Held:
    """Hold an item stored for another account than its persona's current one; the error
    that says so, for the caller to raise or report. An item held while `sending` says that
    it may have gone out on the old account, and keeps saying it."""
    message = (f"item {row.id} was queued for {row.account}, but persona {persona.name!r} now "
               f"posts as {persona.account}: held; `persona queue retarget {row.id}` queues "
               f"it for {persona.account}, `persona queue cancel {row.id}` drops it")
    if row.status == _SENDING:
        message += f"; {IN_FLIGHT_WARNING}"
    with db.session() as s:
        s.exec(update(OutboxItem)  # type: ignore[call-overload]
               .where(OutboxItem.id == row.id,
                      OutboxItem.status.in_((Status.QUEUED, Status.SENDING)))  # type: ignore[attr-defined]
               .values(status=Status.HELD, last_error=message, next_attempt_at=None,
                       claimed_by=None, updated_at=utcnow()))
        s.commit()
    row.status, row.last_error = _HELD, message
    return Held(message)


def hold_moved(personas: list[Persona]) -> int:
    """Hold every queued item of these personas stored for an account the persona no longer
    posts as (its network or handle changed in accounts.toml); how many were held. A held
    item whose persona posts as its account again (the change was undone) is queued again,
    unless it was held in flight: that one may have gone out, and waits for its owner."""
    moved: list[tuple[OutboxItem, Persona]] = []
    with db.session() as s:
        for persona in personas:
            if not persona.account:
                continue
            moved += [(row, persona) for row in s.exec(select(OutboxItem).where(
                OutboxItem.status == Status.QUEUED, OutboxItem.persona == persona.name,
                OutboxItem.account.is_not(None), OutboxItem.account != persona.account))]  # type: ignore[union-attr]
            s.exec(update(OutboxItem)  # type: ignore[call-overload]
                   .where(OutboxItem.status == Status.HELD, OutboxItem.persona == persona.name,
                          OutboxItem.account == persona.account,
                          OutboxItem.last_error.not_like(f"%{IN_FLIGHT_WARNING}%"))  # type: ignore[union-attr]
                   .values(status=Status.QUEUED, last_error=None, updated_at=utcnow()))
        s.commit()
    for row, persona in moved:
        hold(row, persona)
    return len(moved)


def retarget(item_id: int, persona: Persona) -> OutboxItem:
    """Send a held item to its persona's current account after all."""
    return _change(item_id, (Status.HELD,), "retargeted", status=Status.QUEUED,
                   account=persona.account or None, last_error=None, next_attempt_at=None,
                   unsure=False, attempts=0)


def flush() -> None:
    """Commit the results that `send(..., record_later=True)` left for the next transaction."""
    db.flush()


def _record_sent(row: Row, sent: Sent, how: str | None = None, later: bool = False) -> Row:
    """Record the result and its event in one transaction: now, or `later` (db.later)."""
    now = utcnow()
    stamp = db.to_db(now)
    mark = {"id": row.id, "status": _SENT, "remote_id": sent.remote_id, "url": sent.url,
            "sent_at": db.to_db(sent.created_at), "updated_at": stamp, "unsure": False}
    event = {"at": stamp, "persona": row.persona, "kind": row.kind,
             # a post carried into a private persona is logged as imported (personas.carry)
             "action": IMPORTED if row.key.startswith(CARRY_KEY_PREFIX) else BY_KIND[row.kind],
             "subject": row.target, "item_id": row.id, "remote_id": sent.remote_id,
             "detail": how}
    if later:
        db.later(lambda cursor: _write_sent_if_sending(cursor, mark, event))
    else:
        with db.raw() as cursor:
            cursor.execute(db.sql(_MARK_SENT), mark)
            cursor.execute(db.sql(_INSERT_EVENT), event)
    # no session tracks the row (it was stored or loaded above): a change through the ORM's
    # attribute events would only be bookkeeping nobody reads
    row.__dict__.update(status=_SENT, remote_id=sent.remote_id, url=sent.url,
                        sent_at=sent.created_at, updated_at=now, last_error=None,
                        next_attempt_at=None, unsure=False)
    return row


def _write_sent_if_sending(cursor, mark: dict[str, object],  # type: ignore[no-untyped-def]
                           event: dict[str, object]) -> None:
    """A held result, written only while its item is still `sending`: by the time it is
    committed, a worker may have reconciled the item (the process sat idle past the claim's
    lease), or this is a second try after a commit whose outcome was not known."""
    cursor.execute(db.sql(_MARK_SENT_IF_SENDING), {**mark, "sending": _SENDING})
    if cursor.rowcount == 1:
        cursor.execute(db.sql(_INSERT_EVENT), event)


def _earlier_attempt(row: Row, network: Posting, persona: Persona) -> Sent | None:
    try:
        return find_sent(row, network, persona)
    except NetworkError:
        return None


def _record_failure(row: Row, error: NetworkError, *, unsure: bool = False) -> None:
    """A refusal for good fails the item; anything else leaves it queued for a retry.
    `unsure`: an attempt may have reached the network; the next one looks for it first."""
    with db.session() as s:
        stored = s.get(OutboxItem, row.id)
        assert stored is not None
        stored.last_error = error.message
        stored.unsure = unsure
        stored.updated_at = utcnow()
        if isinstance(error, CredentialsRejected):
            # not the item's fault, and it never reached the network: no attempt is counted,
            # and it goes as soon as `persona login` has been run
            stored.status = Status.QUEUED
            stored.next_attempt_at = None
            stored.attempts = max(0, stored.attempts - 1)
        elif isinstance(error, RemoteRefused) or stored.attempts >= MAX_ATTEMPTS:
            stored.status = Status.FAILED
            stored.next_attempt_at = None
            if not isinstance(error, RemoteRefused):
                stored.last_error = (f"gave up after {stored.attempts} attempts (last: "
                                     f"{error.message}); `persona queue retry {row.id}` tries "
                                     "again")
        else:
            stored.status = Status.QUEUED
            stored.next_attempt_at = next_attempt(error, stored.attempts)
        s.add(stored)
        if isinstance(error, CredentialsRejected):
            # every item of the persona waits for the same login: `persona queue` says so
            s.exec(update(OutboxItem)  # type: ignore[call-overload]
                   .where(OutboxItem.persona == row.persona, OutboxItem.status == Status.QUEUED)
                   .values(last_error=error.message))
        s.commit()
        row.status, row.last_error = stored.status, stored.last_error
        row.next_attempt_at, row.unsure = stored.next_attempt_at, stored.unsure


def fail(row: Row, reason: str) -> None:
    """Fail a claimed item for good, for a reason of ours rather than the network's."""
    _record_failure(row, RemoteRefused(reason))


def next_attempt(error: NetworkError, attempts: int) -> datetime:
    """The reset time of a rate limit; else exponential backoff with jitter, bounded."""
    if isinstance(error, RateLimited) and error.reset_at is not None:
        return datetime.fromtimestamp(error.reset_at, UTC)
    delay = min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_MAX)
    return utcnow() + delay * random.uniform(0.8, 1.2)


# --- after a crash -----------------------------------------------------------------------

def stale(me: str | None = None, now: datetime | None = None) -> list[OutboxItem]:
    """Items in `sending` whose worker is gone: a dead process here, or an old claim; and
    those `me` claimed and lost track of (its database went away mid-send)."""
    now = now or utcnow()
    host = socket.gethostname()
    with db.raw(with_held=False) as cursor:  # below the ORM: `persona post` asks before each post
        cursor.execute(db.sql(_SENDING_CLAIMS), {"sending": _SENDING})
        claims = cursor.fetchall()
    gone = [item_id for item_id, by, at in claims
            if (me is not None and by == me) or _abandoned(by, db.from_db(at), host, now)]
    if not gone:
        return []
    with db.session() as s:
        rows = list(s.exec(select(OutboxItem).where(OutboxItem.id.in_(gone),  # type: ignore[union-attr]
                                                    OutboxItem.status == Status.SENDING)))
    return sorted(rows, key=lambda r: r.id)  # type: ignore[arg-type, return-value]


def _abandoned(claimed_by: str | None, claimed_at: datetime | None, host: str,
               now: datetime) -> bool:
    claimer_host, _, pid = (claimed_by or "").rpartition(":")
    if claimer_host == host and pid.isdigit():
        if not _alive(int(pid)):
            return True
        # alive, but is it the claimer? A pid is used again (after a reboot, or once the
        # kernel wraps round): a process that started after the claim did not make it
        started = _started_at(int(pid))
        return started is not None and claimed_at is not None and \
            started > claimed_at.timestamp() + 1
    return claimed_at is None or now - claimed_at > LEASE


def _started_at(pid: int) -> float | None:
    """When a process started (epoch seconds), where /proc tells; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith(b"btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reconcile(row: OutboxItem, network: Posting, persona: Persona) -> OutboxItem:
    """Settle an item a crash left in `sending`: recorded when the network has it, else
    queued again to be sent. Only then may it be retried. An item of an account its persona
    no longer posts as cannot be looked for: it is held (`Held` raised)."""
    if row.account and persona.account and row.account != persona.account:
        raise hold(row, persona)
    sent = find_sent(row, network, persona)
    if sent is not None:
        return _record_sent(row, sent, how='{"reconciled": true}')  # type: ignore[return-value]
    with db.session() as s:
        stored = s.get(OutboxItem, row.id)
        assert stored is not None
        if stored.status == Status.SENDING:
            stored.status = Status.QUEUED
            stored.updated_at = utcnow()
            # not on the network now; the next attempt looks once more before it sends,
            # in case the request that was out when its worker died lands late
            stored.unsure = True
            s.add(stored)
            s.commit()
            s.refresh(stored)
        return stored


def find_sent(row: Row, network: Posting, persona: Persona) -> Sent | None:
    """The post an earlier attempt of this item made, if the network has it: among the
    account's posts since the item was made, one with this item's exact text (links
    compared as the network rewrote them back), or the repost of its target, that no other
    item of the account has recorded. Crash recovery, a retry after a lost answer and a
    duplicate refusal all ask this."""
    since = row.created_at - RECONCILE_SLACK
    candidates = [p for p in network.timeline(persona, limit=100)
                  if p.created_at >= since and _matches(row, p)]
    if not candidates:
        return None
    taken = _taken(row, [p.id for p in candidates])
    for post in reversed(candidates):  # oldest first: the first attempt's post
        if post.id not in taken:
            return Sent(post.id, network.post_url(persona, post.id), post.created_at)
    return None


def settle_unsure(row: OutboxItem, network: Posting, persona: Persona) -> OutboxItem | None:
    """For an item whose last attempt may have gone out, before its words change: look for
    it on the network. Found, it is recorded as sent and returned; not found, it is no
    longer unsure (nothing of it is out there to be doubled). A network error is raised:
    until it is known, the item must not change."""
    found = find_sent(row, network, persona)
    if found is not None:
        return _record_sent(row, found, how='{"found": "before an edit"}')  # type: ignore[return-value]
    with db.session() as s:
        s.exec(update(OutboxItem).where(OutboxItem.id == row.id)  # type: ignore[call-overload]
               .values(unsure=False, updated_at=utcnow()))
        s.commit()
    row.unsure = False
    return None


def _matches(row: Row, post: RemotePost) -> bool:
    if row.kind == "repost":
        return post.kind == "repost" and post.repost_of == row.target
    if post.kind == "repost" or not same_text(row.text, post.text):
        return False
    if row.kind == "reply":
        return post.in_reply_to in (None, row.target)
    if row.kind == "quote":
        return post.quote_of in (None, row.target)
    return True


def _taken(row: Row, remote_ids: list[str]) -> set[str]:
    """Which of these remote posts other items of the row's account already hold."""
    with db.session() as s:
        query = select(OutboxItem.remote_id).where(
            OutboxItem.remote_id.in_(remote_ids), OutboxItem.id != row.id,  # type: ignore[union-attr]
            or_(OutboxItem.network == row.network, OutboxItem.account == row.account))
        return {r for r in s.exec(query) if r is not None}


# --- the queue, by hand ------------------------------------------------------------------

def pending(persona: str | None = None,
            statuses: tuple[str, ...] | None = None) -> list[OutboxItem]:
    """Items in the given states (default: not yet sent), oldest first."""
    wanted = statuses or (Status.QUEUED, Status.SENDING, Status.FAILED, Status.HELD)
    with db.session() as s:
        query = select(OutboxItem).where(OutboxItem.status.in_(wanted))  # type: ignore[attr-defined]
        if persona:
            query = query.where(OutboxItem.persona == persona)
        return list(s.exec(query.order_by(OutboxItem.id)))


def _change(item_id: int, allowed: tuple[str, ...], verb: str, **values: object) -> OutboxItem:
    """Change an item only while it is in one of `allowed` states, atomically."""
    values["updated_at"] = utcnow()
    with db.session() as s:
        result = s.exec(update(OutboxItem)  # type: ignore[call-overload]
                        .where(OutboxItem.id == item_id, OutboxItem.status.in_(allowed))  # type: ignore[attr-defined]
                        .values(**values))
        s.commit()
    row = get(item_id)
    if result.rowcount != 1:
        names = [str(a) for a in allowed]
        either = " or ".join(names) if len(names) < 3 else \
            f"{', '.join(names[:-1])} or {names[-1]}"
        raise BadInput(f"item {item_id} is {row.status}: only {either} items can be {verb}")
    return row


def clear_login_errors(persona: str) -> int:
    """After a login, a queued item's "run `persona login`" error no longer holds."""
    with db.session() as s:
        result = s.exec(update(OutboxItem)  # type: ignore[call-overload]
                        .where(OutboxItem.persona == persona,
                               OutboxItem.status == Status.QUEUED,
                               OutboxItem.last_error.contains("persona login"))  # type: ignore[union-attr]
                        .values(last_error=None, updated_at=utcnow()))
        s.commit()
    return result.rowcount


def cancel(item_id: int) -> OutboxItem:
    return _change(item_id, (Status.QUEUED, Status.FAILED, Status.HELD), "cancelled",
                   status=Status.CANCELLED, next_attempt_at=None)


def retry(item_id: int) -> OutboxItem:
    """Queue a failed (or waiting) item to go at the next chance."""
    return _change(item_id, (Status.FAILED, Status.QUEUED, Status.CANCELLED), "retried",
                   status=Status.QUEUED, next_attempt_at=None, attempts=0)


def edit(item_id: int, **changes: object) -> OutboxItem:
    """Change a waiting item's text (with its kind, target and reason) or scheduled time."""
    allowed = {"text", "kind", "target", "reason", "scheduled_at"}
    assert set(changes) <= allowed, changes
    return _change(item_id, (Status.QUEUED, Status.FAILED, Status.HELD), "edited", **changes)
