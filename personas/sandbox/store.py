"""The sandbox network's state: accounts, posts, follows, requests, messages, metrics.

It is a small social network of its own, kept in `sandbox.db` in the data directory with
the standard library's sqlite3 (no ORM: it stands in for a remote service, and it must be
cheap to open). Writes take SQLite's write lock up front (BEGIN IMMEDIATE), so several
processes can share one sandbox.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from personas.errors import Duplicate, NotFound, RateLimited, RemoteRefused, StorageError
from personas.files import full, make_private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    private INTEGER NOT NULL DEFAULT 0,
    default_avatar INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    -- activity that happened before the sandbox knew the account (simulated people)
    extra_posts INTEGER NOT NULL DEFAULT 0,
    extra_followers INTEGER NOT NULL DEFAULT 0,
    extra_following INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES accounts(id),
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    in_reply_to INTEGER,
    quote_of INTEGER,
    repost_of INTEGER,
    created_at REAL NOT NULL,
    idempotency_key TEXT UNIQUE,
    likes INTEGER NOT NULL DEFAULT 0,
    reposts INTEGER NOT NULL DEFAULT 0,
    replies INTEGER NOT NULL DEFAULT 0,
    quotes INTEGER NOT NULL DEFAULT 0,
    impressions INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS posts_author ON posts (author_id, id);
-- the duplicate-text check runs on every post: without it, it reads all the author's posts
CREATE INDEX IF NOT EXISTS posts_author_text ON posts (author_id, text);
CREATE TABLE IF NOT EXISTS follows (
    follower_id INTEGER NOT NULL REFERENCES accounts(id),
    followee_id INTEGER NOT NULL REFERENCES accounts(id),
    state TEXT NOT NULL,  -- active | pending (a request to a private account)
    created_at REAL NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX IF NOT EXISTS follows_followee ON follows (followee_id, state, created_at);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sender_id INTEGER NOT NULL REFERENCES accounts(id),
    recipient_id INTEGER NOT NULL REFERENCES accounts(id),
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_windows (
    account_id INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    window_start REAL NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (account_id, endpoint)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    blocker_id INTEGER NOT NULL REFERENCES accounts(id),
    blocked_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at REAL NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
"""

FIRST_POST_ID = 1_000_000_000
_MAX_ID = 2**63 - 1  # SQLite's largest integer: no post id is larger
WINDOW = 15 * 60
DAY = 24 * 60 * 60


def window_of(endpoint: str) -> float:
    """The length of an endpoint's rate window: X's 24-hour limits are kept as
    `<endpoint>/24h`, beside the 15-minute window of `<endpoint>`."""
    return DAY if endpoint.endswith("/24h") else WINDOW


# X's documented per-user limits for 15 minutes (docs/x.md, "Rate limits and costs").
X_LIMITS = {"create_post": 100, "follow": 50, "followers": 300}


@dataclass(frozen=True)
class Account:
    id: int
    handle: str
    name: str
    bio: str
    private: bool
    default_avatar: bool
    created_at: float


@dataclass(frozen=True)
class Post:
    id: int
    author: str
    author_private: bool
    text: str
    kind: str
    in_reply_to: int | None
    quote_of: int | None
    repost_of: int | None
    created_at: float
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int = 0


_POST_COLUMNS = (
    "p.id, a.handle, a.private, p.text, p.kind, p.in_reply_to, p.quote_of, p.repost_of, "
    "p.created_at, p.likes, p.reposts, p.replies, p.quotes, p.impressions"
)


def _post(row: tuple) -> Post:
    return Post(row[0], row[1], bool(row[2]), *row[3:])


class Store:
    """One sandbox network's state. Methods are the network's operations."""

    def __init__(self, path: Path, *, limits: dict[str, int] | None = None,
                 clock: Callable[[], float] = time.time, duplicates: bool = False) -> None:
        self.path, self.limits, self.clock = path, limits or {}, clock
        # True: the same text may be posted twice, as on Mastodon and Bluesky (X refuses it)
        self.duplicates = duplicates
        try:
            make_private_dir(path.parent)
            path.touch(mode=0o600, exist_ok=True)  # it holds the tokens the front issued
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.DatabaseError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            fix = (f"the disk holding {path.parent} is full: free some space there and run "
                   "it again" if full(path.parent, e) else
                   "move it aside to start a fresh sandbox, or set PERSONA_HOME elsewhere")
            raise StorageError(f"cannot use the sandbox at {path} ({reason}); {fix}") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- accounts ---------------------------------------------------------------------

    def ensure_account(self, handle: str, *, private: bool = False, name: str = "",
                       bio: str = "") -> Account:
        """The account with this handle, created when new; its privacy follows the caller."""
        with self.write() as db:
            db.execute(
                "INSERT INTO accounts (handle, name, bio, private, created_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT (handle) DO UPDATE SET private = excluded.private",
                (handle, name or handle, bio, int(private), self.clock()),
            )
        return self.account(handle)

    def add_account(self, handle: str, *, name: str, bio: str, default_avatar: bool,
                    created_at: float, posts: int, followers: int, following: int) -> Account:
        """A simulated person, with the history they had before they met the sandbox."""
        with self.write() as db:
            db.execute(
                "INSERT INTO accounts (handle, name, bio, default_avatar, created_at,"
                " extra_posts, extra_followers, extra_following) VALUES (?,?,?,?,?,?,?,?)"
                " ON CONFLICT (handle) DO NOTHING",
                (handle, name, bio, int(default_avatar), created_at, posts, followers, following),
            )
        return self.account(handle)

    def account(self, handle: str) -> Account:
        row = self.db.execute(
            "SELECT id, handle, name, bio, private, default_avatar, created_at FROM accounts"
            " WHERE handle = ?", (handle.lstrip("@"),)).fetchone()
        if row is None:
            raise NotFound(f"no sandbox account @{handle.lstrip('@')}; check the handle")
        return Account(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), row[6])

    def account_by_id(self, account_id: int) -> Account:
        row = self.db.execute("SELECT handle FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no sandbox account with id {account_id}; check the id")
        return self.account(row[0])

    def account_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM accounts").fetchone()[0]

    # --- rate limits --------------------------------------------------------------------

    def spend(self, account_id: int, endpoint: str) -> None:
        """Count one call of an operation the store does not count itself (reads, deletes)."""
        with self.write() as db:
            self._spend(db, account_id, endpoint)

    def rate_state(self, account_id: int, endpoint: str) -> tuple[int, int, float] | None:
        """(limit, remaining, reset epoch) of an endpoint's current window; None if unlimited."""
        limit = self.limits.get(endpoint)
        if limit is None:
            return None
        now, length = self.clock(), window_of(endpoint)
        row = self.db.execute("SELECT window_start, used FROM rate_windows WHERE account_id = ?"
                              " AND endpoint = ?", (account_id, endpoint)).fetchone()
        if row is None or now >= row[0] + length:
            return limit, limit, now + length
        return limit, max(limit - row[1], 0), row[0] + length

    def _spend(self, db: sqlite3.Connection, account_id: int, endpoint: str) -> None:
        """Count one call against the endpoint's window (15 minutes, or 24 hours for a
        `<endpoint>/24h` limit), like X; refuse past the limit."""
        limit = self.limits.get(endpoint)
        if limit is None:
            return
        now, length = self.clock(), window_of(endpoint)
        row = db.execute("SELECT window_start, used FROM rate_windows WHERE account_id = ?"
                         " AND endpoint = ?", (account_id, endpoint)).fetchone()
        if row is None or now >= row[0] + length:
            db.execute("INSERT OR REPLACE INTO rate_windows VALUES (?,?,?,1)",
                       (account_id, endpoint, now))
            return
        if row[1] >= limit:
            raise RateLimited(f"rate limited: {limit} {endpoint} calls per "
                              f"{'24 hours' if length == DAY else '15 minutes'}",
                              reset_at=row[0] + length)
        db.execute("UPDATE rate_windows SET used = used + 1 WHERE account_id = ? AND endpoint = ?",
                   (account_id, endpoint))

    # --- posts ----------------------------------------------------------------------------

    def publish(self, handle: str, *, kind: str, text: str, target: int | None,
                idempotency_key: str | None) -> Post:
        """Create a post. The same idempotency key returns the post made the first time."""
        from router.text import MAX_WEIGHTED_LENGTH, weighted_length

        author = self.account(handle)
        with self.write() as db:
            if idempotency_key is not None:
                row = db.execute(f"SELECT {_POST_COLUMNS} FROM posts p JOIN accounts a"
                                 " ON a.id = p.author_id WHERE p.idempotency_key = ?",
                                 (idempotency_key,)).fetchone()
                if row is not None:
                    return _post(row)
            self._spend(db, author.id, "create_post")
            if kind != "repost":
                length = weighted_length(text)
                if length > MAX_WEIGHTED_LENGTH:
                    raise RemoteRefused(f"post is too long: {length}/{MAX_WEIGHTED_LENGTH}")
                if not self.duplicates and db.execute(
                        "SELECT 1 FROM posts WHERE author_id = ? AND text = ? AND kind != "
                        "'repost'", (author.id, text)).fetchone():
                    raise Duplicate("the sandbox already has a post with this text from "
                                    f"@{author.handle}: you are not allowed to post duplicates")
            columns = {"reply": "in_reply_to", "quote": "quote_of", "repost": "repost_of"}
            counter = {"reply": "replies", "quote": "quotes", "repost": "reposts"}
            if kind in columns:
                self._check_target(db, author, target)
                if kind == "repost" and db.execute(
                        "SELECT 1 FROM posts WHERE author_id = ? AND repost_of = ?",
                        (author.id, target)).fetchone():
                    raise Duplicate(f"@{author.handle} has already reposted {target}")
            now = self.clock()
            post_id = db.execute("SELECT coalesce(max(id), ?) + 1 FROM posts",
                                 (FIRST_POST_ID,)).fetchone()[0]
            values = {"in_reply_to": None, "quote_of": None, "repost_of": None}
            if kind in columns:
                values[columns[kind]] = target
                db.execute(f"UPDATE posts SET {counter[kind]} = {counter[kind]} + 1 WHERE id = ?",
                           (target,))
            db.execute(
                "INSERT INTO posts (id, author_id, text, kind, in_reply_to, quote_of, repost_of,"
                " created_at, idempotency_key) VALUES (?,?,?,?,?,?,?,?,?)",
                (post_id, author.id, text, kind, values["in_reply_to"], values["quote_of"],
                 values["repost_of"], now, idempotency_key),
            )
        return self.post(post_id, viewer=handle)

    def _check_target(self, db: sqlite3.Connection, author: Account, target: int | None) -> None:
        if target is None or not self._visible(db, target, author.id):
            raise RemoteRefused(f"no post with id {target} that @{author.handle} can see; "
                                "check the id")

    def _visible(self, db: sqlite3.Connection, post_id: int, viewer_id: int | None) -> bool:
        """A post is visible when it exists and its author is public, followed, or the viewer."""
        if not 0 < post_id <= _MAX_ID:  # no such post, and SQLite could not even bind it
            return False
        row = db.execute("SELECT a.id, a.private FROM posts p JOIN accounts a ON a.id ="
                         " p.author_id WHERE p.id = ?", (post_id,)).fetchone()
        if row is None:
            return False
        author_id, private = row
        if not private or author_id == viewer_id:
            return True
        return db.execute("SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?"
                          " AND state = 'active'", (viewer_id, author_id)).fetchone() is not None

    def post(self, post_id: int, *, viewer: str | None = None) -> Post:
        viewer_id = self.account(viewer).id if viewer else None
        row = self.db.execute(f"SELECT {_POST_COLUMNS} FROM posts p JOIN accounts a"
                              " ON a.id = p.author_id WHERE p.id = ?",
                              (post_id if 0 < post_id <= _MAX_ID else 0,)).fetchone()
        if row is None or not self._visible(self.db, post_id, viewer_id):
            seen = f" visible to @{viewer}" if viewer else ""
            raise NotFound(f"no sandbox post {post_id}{seen}; check the id")
        return _post(row)

    def timeline(self, handle: str, limit: int = 50, *, since: float | None = None) -> list[Post]:
        author = self.account(handle)
        rows = self.db.execute(f"SELECT {_POST_COLUMNS} FROM posts p JOIN accounts a"
                               " ON a.id = p.author_id WHERE p.author_id = ?"
                               " AND p.created_at >= ? ORDER BY p.id DESC LIMIT ?",
                               (author.id, since or 0.0, limit)).fetchall()
        return [_post(r) for r in rows]

    def delete_post(self, handle: str, post_id: int) -> bool:
        """Delete one of the account's own posts (or reposts); False when there is none."""
        author = self.account(handle)
        with self.write() as db:
            return db.execute("DELETE FROM posts WHERE id = ? AND author_id = ?",
                              (post_id, author.id)).rowcount == 1

    def unrepost(self, handle: str, target: int) -> bool:
        author = self.account(handle)
        with self.write() as db:
            done = db.execute("DELETE FROM posts WHERE author_id = ? AND repost_of = ?",
                              (author.id, target)).rowcount
            if done:
                db.execute("UPDATE posts SET reposts = max(reposts - 1, 0) WHERE id = ?",
                           (target,))
        return bool(done)

    def like(self, post_id: int, count: int) -> Post:
        with self.write() as db:
            if db.execute("UPDATE posts SET likes = likes + ?, impressions = impressions + ?"
                          " WHERE id = ?", (count, count * 10, post_id)).rowcount == 0:
                raise NotFound(f"no sandbox post {post_id}; check the id")
            author = db.execute("SELECT a.handle FROM posts p JOIN accounts a ON a.id ="
                                " p.author_id WHERE p.id = ?", (post_id,)).fetchone()[0]
        return self.post(post_id, viewer=author)  # a protected account's post too

    # --- follows, requests, messages ------------------------------------------------------

    def follow(self, follower: str, followee: str) -> str:
        """Follow; a private account gets a pending request instead. Returns the state."""
        a, b = self.account(follower), self.account(followee)
        state = "pending" if b.private else "active"
        with self.write() as db:
            if db.execute("SELECT 1 FROM blocks WHERE (blocker_id = ? AND blocked_id = ?) OR"
                          " (blocker_id = ? AND blocked_id = ?)",
                          (b.id, a.id, a.id, b.id)).fetchone():
                raise RemoteRefused(f"@{b.handle} and @{a.handle}: one blocked the other")
            db.execute("INSERT INTO follows VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                       (a.id, b.id, state, self.clock()))
            row = db.execute("SELECT state FROM follows WHERE follower_id = ? AND followee_id = ?",
                             (a.id, b.id)).fetchone()
        return row[0]

    def followers(self, handle: str, state: str = "active") -> list[str]:
        """Handles following `handle` (or asking to: state='pending'), newest first."""
        account = self.account(handle)
        rows = self.db.execute(
            "SELECT a.handle FROM follows f JOIN accounts a ON a.id = f.follower_id"
            " WHERE f.followee_id = ? AND f.state = ? ORDER BY f.created_at DESC, a.id DESC",
            (account.id, state)).fetchall()
        return [r[0] for r in rows]

    def unfollow(self, follower: str, followee: str) -> None:
        a, b = self.account(follower), self.account(followee)
        with self.write() as db:
            db.execute("DELETE FROM follows WHERE follower_id = ? AND followee_id = ?",
                       (a.id, b.id))

    def following(self, handle: str) -> list[str]:
        """Handles `handle` follows, newest first."""
        account = self.account(handle)
        rows = self.db.execute(
            "SELECT a.handle FROM follows f JOIN accounts a ON a.id = f.followee_id"
            " WHERE f.follower_id = ? AND f.state = 'active' ORDER BY f.created_at DESC,"
            " a.id DESC", (account.id,)).fetchall()
        return [r[0] for r in rows]

    def follow_counts(self, handle: str) -> tuple[int, int]:
        """(followers, following) as the account's profile shows them: active follows plus
        what it had before the sandbox knew it."""
        account = self.account(handle)
        row = self.db.execute(
            "SELECT extra_followers + (SELECT count(*) FROM follows WHERE followee_id = a.id"
            " AND state = 'active'), extra_following + (SELECT count(*) FROM follows"
            " WHERE follower_id = a.id AND state = 'active') FROM accounts a WHERE a.id = ?",
            (account.id,)).fetchone()
        return int(row[0]), int(row[1])

    def send_message(self, sender: str, recipient: str, text: str) -> int:
        a, b = self.account(sender), self.account(recipient)
        with self.write() as db:
            cur = db.execute("INSERT INTO messages (sender_id, recipient_id, text, created_at)"
                             " VALUES (?,?,?,?)", (a.id, b.id, text, self.clock()))
        return int(cur.lastrowid or 0)

    def conversation(self, a: str, b: str) -> list[tuple[int, str, str, float]]:
        """Messages between two accounts either way, oldest first: (id, sender, text, at)."""
        x, y = self.account(a), self.account(b)
        rows = self.db.execute(
            "SELECT m.id, s.handle, m.text, m.created_at FROM messages m JOIN accounts s"
            " ON s.id = m.sender_id WHERE (m.sender_id = ? AND m.recipient_id = ?) OR"
            " (m.sender_id = ? AND m.recipient_id = ?) ORDER BY m.id", (x.id, y.id, y.id, x.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def inbox(self, recipient: str, since_id: int = 0) -> list[tuple[int, str, str, float]]:
        """Messages to `recipient` after `since_id`, oldest first: (id, sender, text, at)."""
        account = self.account(recipient)
        rows = self.db.execute(
            "SELECT m.id, a.handle, m.text, m.created_at FROM messages m JOIN accounts a"
            " ON a.id = m.sender_id WHERE m.recipient_id = ? AND m.id > ? ORDER BY m.id",
            (account.id, since_id))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def dm_events(self, handle: str) -> list[tuple[int, int, int, str, float]]:
        """Messages to or from `handle`, newest first: (id, sender id, recipient id, text,
        at)."""
        account = self.account(handle)
        rows = self.db.execute(
            "SELECT id, sender_id, recipient_id, text, created_at FROM messages WHERE"
            " sender_id = ? OR recipient_id = ? ORDER BY id DESC", (account.id, account.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def accept(self, followee: str, follower: str) -> bool:
        """The private `followee` lets `follower` in; False when there was no request."""
        a, b = self.account(follower), self.account(followee)
        with self.write() as db:
            return db.execute("UPDATE follows SET state = 'active' WHERE follower_id = ? AND"
                              " followee_id = ? AND state = 'pending'", (a.id, b.id)).rowcount == 1

    def reject(self, followee: str, follower: str) -> bool:
        """The private `followee` turns down `follower`'s request; False when there was none."""
        a, b = self.account(follower), self.account(followee)
        with self.write() as db:
            return db.execute("DELETE FROM follows WHERE follower_id = ? AND followee_id = ? AND"
                              " state = 'pending'", (a.id, b.id)).rowcount == 1

    def block(self, blocker: str, blocked: str) -> None:
        """As on X: no follows either way, and no new ones."""
        a, b = self.account(blocker), self.account(blocked)
        with self.write() as db:
            db.execute("INSERT INTO blocks VALUES (?,?,?) ON CONFLICT DO NOTHING",
                       (a.id, b.id, self.clock()))
            db.execute("DELETE FROM follows WHERE (follower_id = ? AND followee_id = ?) OR"
                       " (follower_id = ? AND followee_id = ?)", (a.id, b.id, b.id, a.id))

    def blocked(self, blocker: str, blocked: str) -> bool:
        a, b = self.account(blocker), self.account(blocked)
        return self.db.execute("SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?",
                               (a.id, b.id)).fetchone() is not None

    def messages(self, recipient: str) -> list[tuple[str, str, float]]:
        account = self.account(recipient)
        rows = self.db.execute(
            "SELECT a.handle, m.text, m.created_at FROM messages m JOIN accounts a"
            " ON a.id = m.sender_id WHERE m.recipient_id = ? ORDER BY m.id", (account.id,))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def mentions(self, handle: str) -> list[Post]:
        account = self.account(handle)
        rows = self.db.execute(
            f"SELECT {_POST_COLUMNS} FROM posts p JOIN accounts a ON a.id = p.author_id"
            " WHERE p.author_id != ? AND (lower(p.text) LIKE ? OR p.in_reply_to IN"
            " (SELECT id FROM posts WHERE author_id = ?)) ORDER BY p.id DESC",
            (account.id, f"%@{account.handle.lower()}%", account.id)).fetchall()
        return [_post(r) for r in rows]

    # --- the simulation's own bookkeeping ---------------------------------------------------

    def counter(self, name: str) -> int:
        """The next value of a named counter: simulated people get stable, unique handles."""
        with self.write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
            value = int(row[0]) + 1 if row else 1
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))
        return value

    # --- following: pages of followers with profiles, and counts -------------------------

    def counts(self, account_id: int) -> tuple[int, int, int]:
        """(posts, followers, following) including the history before the sandbox."""
        row = self.db.execute(
            "SELECT extra_posts + (SELECT count(*) FROM posts WHERE author_id = a.id),"
            " extra_followers + (SELECT count(*) FROM follows WHERE followee_id = a.id AND"
            " state = 'active'), extra_following + (SELECT count(*) FROM follows WHERE"
            " follower_id = a.id AND state = 'active') FROM accounts a WHERE a.id = ?",
            (account_id,)).fetchone()
        if row is None:
            raise NotFound(f"no sandbox account with id {account_id}; check the id")
        return row[0], row[1], row[2]

    def follow_state(self, follower: str, followee: str) -> str | None:
        """active | pending | None: whether `follower` follows (or asked to follow)."""
        a, b = self.account(follower), self.account(followee)
        row = self.db.execute("SELECT state FROM follows WHERE follower_id = ? AND"
                              " followee_id = ?", (a.id, b.id)).fetchone()
        return row[0] if row else None
