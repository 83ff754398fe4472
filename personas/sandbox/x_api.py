"""X API v2 (and the v1.1 incoming-friendships path) over the sandbox store.

Each handler takes the calling account and the parsed request and returns (status, body)
the way X answers: bodies, field names and errors follow the recorded responses in the
project's X reference material. The HTTP server around it is `personas.sandbox.front`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

from personas.errors import Duplicate, NotFound, RemoteRefused
from personas.sandbox.store import Account, Post, Store
from personas.sandbox.x_calls import FIRST_MEDIA_ID, ApiError, Call, forbidden, invalid
from personas.sandbox.x_media import Media

MEDIA_SCHEMA = """
CREATE TABLE IF NOT EXISTS media (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    size INTEGER NOT NULL,
    alt_text TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
"""
INCOMING_PAGE = 5000  # ids a page of v1.1 friendships/incoming holds
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
NO_ACCESS = ("You currently have access to a subset of X API V2 endpoints and limited v1.1 "
             "endpoints (e.g. media post, oauth) only. If you need access to this endpoint, "
             "you may need a different access level. You can learn more here: "
             "https://developer.x.com/en/portal/product")


def shown(text: str) -> tuple[str, list[dict[str, object]]]:
    """A post's text as X shows it, and its `entities.urls`: each link replaced by a t.co
    link (23 characters, as X counts them), and &, < and > escaped."""
    import hashlib
    import html

    from router.text import extract_urls_with_indices

    out, links, at = [], [], 0
    for url, start, end in extract_urls_with_indices(text):
        out.append(html.escape(text[at:start], quote=False))
        slug = hashlib.sha256(url.encode()).hexdigest()[:10]
        short = f"https://t.co/{slug}"
        begin = sum(len(part) for part in out)
        expanded = url if "://" in url else f"http://{url}"
        display = url.split("://", 1)[-1]
        links.append({"start": begin, "end": begin + len(short), "url": short,
                      "expanded_url": expanded,
                      "display_url": display if len(display) <= 26 else display[:25] + "\u2026"})
        out.append(short)
        at = end
    out.append(html.escape(text[at:], quote=False))
    return "".join(out), links


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(ts * 1000) % 1000:03d}Z"


def _fields(call: Call, name: str) -> set[str]:
    return set(filter(None, call.query.get(name, "").split(",")))


class XApi:
    """The operations, each one X endpoint; `routes` maps requests to them."""

    def __init__(self, store: Store, answers: dict[str, str] | None = None) -> None:
        self.store = store
        self.answers = answers if answers is not None else {}  # Front.answers, shared
        store.db.executescript(MEDIA_SCHEMA)
        self.media = Media(store)  # the v2 upload, which adds to the media table

    # --- rendering ------------------------------------------------------------------------

    def user(self, account: Account, wanted: set[str] = frozenset()) -> dict[str, object]:  # type: ignore[assignment]
        out: dict[str, object] = {"id": str(account.id), "name": account.name or account.handle,
                                  "username": account.handle}
        if "protected" in wanted:
            out["protected"] = account.private
        if "created_at" in wanted:
            out["created_at"] = iso(account.created_at)
        if "description" in wanted:
            out["description"] = account.bio
        # --- following: what a follow-back sweep's spam signals read ---
        if "public_metrics" in wanted:
            posts, followers, following = self.store.counts(account.id)
            out["public_metrics"] = {"followers_count": followers, "following_count": following,
                                     "tweet_count": posts, "listed_count": 0, "like_count": 0}
        if "profile_image_url" in wanted:
            out["profile_image_url"] = DEFAULT_AVATAR if account.default_avatar else \
                f"https://pbs.twimg.com/profile_images/{account.id}/photo_normal.jpg"
        return out

    def tweet(self, post: Post, call: Call) -> dict[str, object]:
        wanted = _fields(call, "tweet.fields")
        text, links = shown(post.text)
        out: dict[str, object] = {"id": str(post.id), "text": text,
                                  "edit_history_tweet_ids": [str(post.id)]}
        if "entities" in wanted and links:
            out["entities"] = {"urls": links}
        if "created_at" in wanted:
            out["created_at"] = iso(post.created_at)
        if "author_id" in wanted:
            out["author_id"] = str(self.store.account(post.author).id)
        if "public_metrics" in wanted:
            out["public_metrics"] = {"retweet_count": post.reposts, "reply_count": post.replies,
                                     "like_count": post.likes, "quote_count": post.quotes,
                                     "bookmark_count": 0, "impression_count": post.impressions}
        refs = [(t, r) for t, r in (("replied_to", post.in_reply_to), ("quoted", post.quote_of),
                                    ("retweeted", post.repost_of)) if r is not None]
        if "referenced_tweets" in wanted and refs:
            out["referenced_tweets"] = [{"type": t, "id": str(r)} for t, r in refs]
        return out

    def _own(self, call: Call, user_id: str) -> None:
        if user_id != str(call.caller.id):
            raise forbidden("You are not permitted to perform this action.")

    def _account(self, user_id: str) -> Account:
        try:
            return self.store.account_by_id(int(user_id))
        except (NotFound, ValueError):
            raise invalid(f"The `id` query parameter value [{user_id}] is not valid",
                          "id") from None

    # --- posts ------------------------------------------------------------------------------

    def create_tweet(self, call: Call) -> tuple[int, dict[str, object]]:
        body = call.body
        text = body.get("text")
        reply = body.get("reply") or {}
        quote = body.get("quote_tweet_id")
        media = (body.get("media") or {}).get("media_ids") or []  # type: ignore[union-attr]
        if not isinstance(text, str) or (not text.strip() and not media):
            raise invalid("text must not be empty", "text")
        self.media.check_attached(call, media)  # type: ignore[arg-type]
        kind, target = "original", None
        if isinstance(reply, dict) and reply.get("in_reply_to_tweet_id"):
            kind, target = "reply", int(reply["in_reply_to_tweet_id"])
        elif quote:
            kind, target = "quote", int(quote)  # type: ignore[arg-type]
        try:
            post = self.store.publish(call.caller.handle, kind=kind, text=text, target=target,
                                      idempotency_key=None)
        except Duplicate:
            raise forbidden("You are not allowed to create a Tweet with duplicate "
                            "content.") from None
        except RemoteRefused as e:
            if "too long" in e.message:
                raise forbidden("Your Tweet text is too long. For more information on how X "
                                "counts characters, visit https://docs.x.com/resources/"
                                "fundamentals/counting-characters") from None
            raise forbidden("You attempted to reply to a Tweet that is deleted or not visible "
                            "to you." if kind == "reply" else "Quoting this post is not "
                            "allowed because you have been blocked or the post is not "
                            "visible to you.") from None
        if media:
            self.media.attach(post.id, media)  # type: ignore[arg-type]
        return 201, {"data": {"id": str(post.id), "text": shown(post.text)[0],
                              "edit_history_tweet_ids": [str(post.id)]}}

    def delete_tweet(self, call: Call) -> tuple[int, dict[str, object]]:
        deleted = self.store.delete_post(call.caller.handle, int(call.args[0]))
        if not deleted:
            raise forbidden("You are not allowed to delete this Tweet.")
        return 200, {"data": {"deleted": True}}

    def get_tweet(self, call: Call) -> tuple[int, dict[str, object]]:
        post_id = call.args[0]
        try:
            post = self.store.post(int(post_id), viewer=call.caller.handle)
        except NotFound:
            return 200, {"errors": [{
                "value": post_id, "detail": f"Could not find tweet with id: [{post_id}].",
                "title": "Not Found Error", "resource_type": "tweet", "parameter": "id",
                "resource_id": post_id,
                "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
        out: dict[str, object] = {"data": self.tweet(post, call)}
        if "author_id" in call.query.get("expansions", ""):
            out["includes"] = {"users": [self.user(self.store.account(post.author),
                                                   _fields(call, "user.fields"))]}
        return 200, out

    def retweet(self, call: Call) -> tuple[int, dict[str, object]]:
        self._own(call, call.args[0])
        target = int(str(call.body.get("tweet_id", "0")))
        try:
            original = self.store.post(target, viewer=call.caller.handle)
            self.store.publish(call.caller.handle, kind="repost", target=target,
                               text=f"RT @{original.author}: {original.text}",
                               idempotency_key=None)
        except Duplicate:
            pass  # X answers an existing repost as a success
        except (NotFound, RemoteRefused):
            raise forbidden("You cannot retweet a Tweet that you cannot see.") from None
        row = self.store.db.execute("SELECT id FROM posts WHERE author_id = ? AND repost_of = ?",
                                    (call.caller.id, target)).fetchone()
        # X's OpenAPI description requires `rest_id`, "the ID of the reposted Post": the
        # source, read literally; answers recorded in 2021 carry no id at all. Which one the
        # front sends is `Front.answers["rest_id"]`: "source", "repost" (the repost's own
        # id) or "absent".
        rest_id = {"source": str(target), "repost": str(row[0])}.get(
            self.answers.get("rest_id", "source"))
        return 200, {"data": {"retweeted": True, **({"rest_id": rest_id} if rest_id else {})}}

    def unretweet(self, call: Call) -> tuple[int, dict[str, object]]:
        self._own(call, call.args[0])
        self.store.unrepost(call.caller.handle, int(call.args[1]))
        return 200, {"data": {"retweeted": False}}

    def _posts(self, posts: list[Post], call: Call) -> tuple[int, dict[str, object]]:
        since = int(call.query.get("since_id", "0") or 0)
        posts = [p for p in posts if p.id > since]
        if call.query.get("start_time"):  # "YYYY-MM-DDTHH:mm:ssZ", as X takes it
            start = datetime.strptime(call.query["start_time"], "%Y-%m-%dT%H:%M:%SZ")
            posts = [p for p in posts if p.created_at >= start.replace(tzinfo=UTC).timestamp()]
        page, meta = _page(posts, call, default=10, low=5, high=100)
        if page:
            meta.update(newest_id=str(page[0].id), oldest_id=str(page[-1].id))
        body: dict[str, object] = {"meta": meta}
        if page:
            body["data"] = [self.tweet(p, call) for p in page]
        if page and "author_id" in call.query.get("expansions", ""):
            wanted = _fields(call, "user.fields")
            authors = dict.fromkeys(p.author for p in page)
            body["includes"] = {"users": [self.user(self.store.account(a), wanted)
                                          for a in authors]}
        return 200, body

    def user_tweets(self, call: Call) -> tuple[int, dict[str, object]]:
        account = self._account(call.args[0])
        return self._posts(self.store.timeline(account.handle, 3200), call)

    def mentions(self, call: Call) -> tuple[int, dict[str, object]]:
        self._own(call, call.args[0])
        return self._posts(self.store.mentions(call.caller.handle), call)

    # --- users and follows --------------------------------------------------------------------

    def me(self, call: Call) -> tuple[int, dict[str, object]]:
        return 200, {"data": self.user(call.caller, _fields(call, "user.fields"))}

    def user_by_username(self, call: Call) -> tuple[int, dict[str, object]]:
        name = call.args[0]
        try:
            account = self.store.account(name)
        except NotFound:
            return 200, {"errors": [{
                "value": name, "detail": f"Could not find user with username: [{name}].",
                "title": "Not Found Error", "resource_type": "user", "parameter": "username",
                "resource_id": name,
                "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
        return 200, {"data": self.user(account, _fields(call, "user.fields"))}

    def user_by_id(self, call: Call) -> tuple[int, dict[str, object]]:
        return 200, {"data": self.user(self._account(call.args[0]), _fields(call, "user.fields"))}

    def follow(self, call: Call) -> tuple[int, dict[str, object]]:
        self._own(call, call.args[0])
        target = self._account(str(call.body.get("target_user_id", "")))
        if target.id == call.caller.id:
            raise forbidden("You are not permitted to perform this action.")
        state = self.store.follow(call.caller.handle, target.handle)
        return 200, {"data": {"following": state == "active", "pending_follow": state == "pending"}}

    def unfollow(self, call: Call) -> tuple[int, dict[str, object]]:
        self._own(call, call.args[0])
        self.store.unfollow(call.caller.handle, self._account(call.args[1]).handle)
        return 200, {"data": {"following": False}}

    def _users(self, call: Call, side: str) -> tuple[int, dict[str, object]]:
        """A page of followers (`side` "followee_id": who follows the account) or of
        followed accounts ("follower_id"), newest follow first, as the store orders them;
        tokens hold their place by the follow's time and the account's id."""
        account = self._account(call.args[0])
        other = "follower_id" if side == "followee_id" else "followee_id"
        rows = self.store.db.execute(
            f"SELECT a.handle, f.created_at, a.id FROM follows f JOIN accounts a ON a.id ="
            f" f.{other} WHERE f.{side} = ? AND f.state = 'active'"
            " ORDER BY f.created_at DESC, a.id DESC", (account.id,)).fetchall()
        page, meta = _page(rows, call, default=100, low=1, high=1000,
                           key=lambda row: [row[1], row[2]])  # type: ignore[index]
        body: dict[str, object] = {"meta": meta}
        if page:
            wanted = _fields(call, "user.fields")
            body["data"] = [self.user(self.store.account(row[0]), wanted) for row in page]
        return 200, body

    def followers(self, call: Call) -> tuple[int, dict[str, object]]:
        return self._users(call, "followee_id")

    def following(self, call: Call) -> tuple[int, dict[str, object]]:
        return self._users(call, "follower_id")

    def send_dm(self, call: Call) -> tuple[int, dict[str, object]]:
        if call.access_level != "read-write-dm":
            raise forbidden("You are not permitted to perform this action.")
        recipient = self._account(call.args[0])
        text = call.body.get("text")
        if not isinstance(text, str) or not text:
            raise invalid("text must not be empty", "text")
        event = self.store.send_message(call.caller.handle, recipient.handle, text)
        low, high = sorted((call.caller.id, recipient.id))
        return 201, {"data": {"dm_conversation_id": f"{low}-{high}",
                              "dm_event_id": str(FIRST_MEDIA_ID + event)}}

    def send_dm_in_conversation(self, call: Call) -> tuple[int, dict[str, object]]:
        """A one-to-one conversation's id is both participants' ids, "<low>-<high>"."""
        ids = call.args[0].split("-")
        if str(call.caller.id) not in ids:
            raise forbidden("You are not permitted to perform this action.")
        other = ids[1] if ids[0] == str(call.caller.id) else ids[0]
        return self.send_dm(Call(call.caller, call.consumer_key, call.access_level, (other,),
                                 call.query, call.body))

    def dm_events(self, call: Call) -> tuple[int, dict[str, object]]:
        """GET /2/dm_events: the caller's one-to-one messages, sent and received, newest
        first. Reading messages needs the DM access level, like sending them."""
        if call.access_level != "read-write-dm":
            raise forbidden("You are not permitted to perform this action.")
        types = set(filter(None, call.query.get("event_types", "MessageCreate").split(",")))
        events = self.store.dm_events(call.caller.handle) if "MessageCreate" in types else []
        page, meta = _page(events, call, default=100, low=1, high=100,
                           key=lambda event: [event[0]])  # type: ignore[index]
        wanted = _fields(call, "dm_event.fields")
        data = []
        for event_id, sender, recipient, text, at in page:
            low, high = sorted((sender, recipient))
            out: dict[str, object] = {"id": str(FIRST_MEDIA_ID + event_id),
                                      "event_type": "MessageCreate", "text": text}
            if "sender_id" in wanted:
                out["sender_id"] = str(sender)
            if "created_at" in wanted:
                out["created_at"] = iso(at)
            if "dm_conversation_id" in wanted:
                out["dm_conversation_id"] = f"{low}-{high}"
            if "participant_ids" in wanted:
                out["participant_ids"] = [str(low), str(high)]
            data.append(out)
        body: dict[str, object] = {"meta": meta}
        if data:
            body["data"] = data
        if data and "sender_id" in call.query.get("expansions", ""):
            senders = dict.fromkeys(e[1] for e in page)
            body["includes"] = {"users": [self.user(self.store.account_by_id(s),
                                                    _fields(call, "user.fields"))
                                          for s in senders]}
        return 200, body

    def users_by_ids(self, call: Call) -> tuple[int, dict[str, object]]:
        """GET /2/users?ids=: up to 100 accounts; unknown ids come back as errors."""
        ids = [i for i in call.query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            raise invalid(f"The `ids` query parameter value [{call.query.get('ids', '')}] is "
                          "not between 1 and 100 ids", "ids")
        wanted, data, errors = _fields(call, "user.fields"), [], []
        for user_id in ids:
            try:
                data.append(self.user(self.store.account_by_id(int(user_id)), wanted))
            except (NotFound, ValueError):
                errors.append({"value": user_id, "detail": f"Could not find user with ids: "
                               f"[{user_id}].", "title": "Not Found Error",
                               "resource_type": "user", "parameter": "ids",
                               "resource_id": user_id,
                               "type": "https://api.twitter.com/2/problems/resource-not-found"})
        body: dict[str, object] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return 200, body

    # --- v1.1 ---------------------------------------------------------------------------------

    def incoming(self, call: Call) -> tuple[int, dict[str, object]]:
        if call.access_level in ("basic", "free"):
            raise ApiError(403, {"errors": [{"message": NO_ACCESS, "code": 453}]})
        ids = [self.store.account(h).id for h in
               self.store.followers(call.caller.handle, state="pending")]
        # v1.1 cursors: -1 the first page, 0 the end, anything else where a page starts
        # (the sandbox's: an offset plus one, negative for a previous page, as X signs them)
        try:
            cursor = int(call.query.get("cursor", "-1"))
        except ValueError:
            raise ApiError(400, {"errors": [{"code": 44, "message": "cursor parameter is "
                                             "invalid"}]}) from None
        start = 0 if cursor in (-1, 0) else abs(cursor) - 1
        ids, more = ids[start:start + INCOMING_PAGE], start + INCOMING_PAGE < len(ids)
        after = start + INCOMING_PAGE + 1 if more else 0
        before = -(max(start - INCOMING_PAGE, 0) + 1) if start else 0
        as_text = call.query.get("stringify_ids") in ("true", "1")
        return 200, {"ids": [str(i) for i in ids] if as_text else ids, "next_cursor": after,
                     "next_cursor_str": str(after), "previous_cursor": before,
                     "previous_cursor_str": str(before), "total_count": None}

    def routes(self) -> list[tuple[str, re.Pattern[str], Callable[[Call], tuple[int, dict]], str]]:  # type: ignore[type-arg]
        """(method, path pattern, handler, rate-limit bucket) for every endpoint."""
        table = [
            ("POST", r"/2/tweets", self.create_tweet, "create_post"),
            ("DELETE", r"/2/tweets/(\d+)", self.delete_tweet, "delete_post"),
            ("GET", r"/2/tweets/(\d+)", self.get_tweet, "tweet_lookup"),
            ("POST", r"/2/users/(\d+)/retweets", self.retweet, "repost"),
            ("DELETE", r"/2/users/(\d+)/retweets/(\d+)", self.unretweet, "repost"),
            ("GET", r"/2/users/me", self.me, "me"),
            ("GET", r"/2/users", self.users_by_ids, "user_lookup"),
            ("GET", r"/2/dm_events", self.dm_events, "dm_read"),
            ("GET", r"/2/users/by/username/(\w{1,50})", self.user_by_username, "user_lookup"),
            ("GET", r"/2/users/(\d+)", self.user_by_id, "user_lookup"),
            ("POST", r"/2/users/(\d+)/following", self.follow, "follow"),
            ("DELETE", r"/2/users/(\d+)/following/(\d+)", self.unfollow, "follow"),
            ("GET", r"/2/users/(\d+)/followers", self.followers, "followers"),
            ("GET", r"/2/users/(\d+)/following", self.following, "following"),
            ("GET", r"/2/users/(\d+)/mentions", self.mentions, "mentions"),
            ("GET", r"/2/users/(\d+)/tweets", self.user_tweets, "user_posts"),
            ("POST", r"/2/dm_conversations/with/(\d+)/messages", self.send_dm, "dm"),
            ("POST", r"/2/dm_conversations/(\d+-\d+)/messages", self.send_dm_in_conversation,
             "dm"),
            *self.media.routes(),
            ("GET", r"/1\.1/friendships/incoming\.json", self.incoming, "incoming"),
        ]
        return [(m, re.compile(p), h, b) for m, p, h, b in table]


def _page(items: list, call: Call, *, default: int, low: int, high: int,  # type: ignore[type-arg]
          key: Callable[[object], list] = lambda item: [item.id]  # type: ignore[attr-defined]
          ) -> tuple[list, dict]:  # type: ignore[type-arg]
    """One page of a newest-first list, and X's `meta` for it. Like X's, a token holds its
    place in the list rather than an offset: it names the item the page ended (or began)
    at by its sort `key`, so a list that grows or shrinks between two reads neither repeats
    nor skips what was not read yet."""
    try:
        size = int(call.query.get("max_results", default))
    except ValueError:
        size = -1
    if not low <= size <= high:
        raise invalid(f"The `max_results` query parameter value [{call.query.get('max_results')}]"
                      f" is not between {low} and {high}", "max_results")
    token = call.query.get("pagination_token")
    start, end = 0, size
    if token:
        direction, anchor = _anchor(token)
        keys = [key(item) for item in items]
        if direction == "next":  # the items after the anchor
            start = next((i for i, k in enumerate(keys) if k < anchor), len(items))
            end = start + size
        else:  # the items just before it
            end = next((i for i, k in enumerate(keys) if k <= anchor), len(items))
            start = max(end - size, 0)
    page = items[start:end]
    meta: dict[str, object] = {"result_count": len(page)}
    if page and end < len(items):
        meta["next_token"] = _token("next", key(page[-1]))
    if page and start:
        meta["previous_token"] = _token("previous", key(page[0]))
    return page, meta


def _token(direction: str, anchor: list) -> str:  # type: ignore[type-arg]
    """An opaque, base32hex token as X's OpenAPI describes them (16 characters or more)."""
    return base64.b32hexencode(json.dumps([direction, anchor]).encode()).decode().rstrip("=")


def _anchor(token: str) -> tuple[str, list]:  # type: ignore[type-arg]
    try:
        direction, anchor = json.loads(base64.b32hexdecode(token + "=" * (-len(token) % 8)))
        if direction in ("next", "previous") and isinstance(anchor, list):
            return direction, anchor
    except (ValueError, TypeError, binascii.Error):
        pass
    raise invalid(f"The `pagination_token` query parameter value [{token}] is not valid",
                  "pagination_token")
