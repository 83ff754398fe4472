"""The sandbox's loopback X API front: an HTTP server on 127.0.0.1 that answers like X.

It checks OAuth 1.0a signatures against the canonical URL (https://api.twitter.com, media
uploads included: X's v2 upload is on the API's host), counts calls per user in X's 15-minute
windows and says so in `x-rate-limit-*` headers, and can be told to fail (a status, a
delay, a connection reset) so clients can be tested against what X does on bad days.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from personas.errors import PersonaError, RateLimited
from personas.sandbox.oauth import Nonces, OAuthStore, Token, verify
from personas.sandbox.store import Store
from personas.sandbox.x_api import XApi
from personas.sandbox.x_calls import ApiError, Call, problem

API_HOST = "https://api.twitter.com"
# X's documented per-user limits for 15 minutes (reference material, 2026).
LIMITS = {"create_post": 100, "delete_post": 50, "tweet_lookup": 900, "repost": 50,
          "me": 75, "user_lookup": 900, "follow": 50, "followers": 300, "following": 300,
          "mentions": 300, "user_posts": 900, "dm": 200, "media": 500, "incoming": 15,
          "dm_read": 15}
DAY_SUFFIX = "/24h"  # the store's name of a bucket's 24-hour window
# What X's Free access level includes: posting, the account's own profile, media. Every
# other endpoint answers 403 "Client Forbidden" (reason client-not-enrolled) there.
FREE_BUCKETS = {"create_post", "delete_post", "me", "media"}
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                "detail": "Unauthorized"}


@dataclass
class Fault:
    """What to do instead of answering: a status, a delay first, or a reset connection."""

    status: int | None = None
    delay: float = 0.0
    reset: bool = False
    lose_answer: bool = False  # do the work, then reset: the client cannot know it landed
    answer_after: float = 0.0  # do the work, then wait this long before answering
    work_first: bool = False  # with `status`: do the work, then fail with that status anyway
    path: str = ""  # only requests whose path starts with this
    times: int = 1
    after: int = 0  # answer this many matching requests first (a failure mid-upload)


class Front:
    """The X API front over one sandbox database; `serve()` or use as a context manager."""

    def __init__(self, db_path: Path, *, port: int = 0, limits: dict[str, int] | None = None,
                 daily_limits: dict[str, int] | None = None,
                 ready_personas: list[tuple[str, bool]] = (),  # type: ignore[assignment]
                 clock: Callable[[], float] = time.time, duplicates: bool = False) -> None:
        self.db_path = db_path
        self.duplicates = duplicates  # accept the same text twice (Mastodon, Bluesky do)
        self.clock = clock  # a simulated clock makes rate windows pass at once (bench, tests)
        # `daily_limits`: per-user 24-hour limits by bucket, as X sets them on some access
        # levels (its Free level: 17 posts a day), kept as "<bucket>/24h"
        self.limits = {**LIMITS, **(limits or {}),
                       **{f"{b}{DAY_SUFFIX}": n for b, n in (daily_limits or {}).items()}}
        self._local = threading.local()
        # how the front words answers X words more than one way (see XApi.retweet)
        self.answers = {"rest_id": "source"}
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._nonces = Nonces()  # requests already accepted, whichever thread took them
        for handle, private in ready_personas:
            self.store.ensure_account(handle, private=private)
        self.server = _Server(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    # One connection per thread: sqlite3 connections stay in the thread that opened them.
    @property
    def store(self) -> Store:
        if not hasattr(self._local, "store"):
            self._local.store = Store(self.db_path, limits=self.limits, clock=self.clock,
                                      duplicates=self.duplicates)
            self._local.oauth = OAuthStore(self._local.store, self._nonces)
            self._local.api = XApi(self._local.store, self.answers)
            self._local.routes = self._local.api.routes()
        return self._local.store

    @property
    def oauth(self) -> OAuthStore:
        self.store  # noqa: B018  (opens this thread's connection)
        return self._local.oauth

    def inject(self, **fault: object) -> None:
        """Fail the next matching request(s) instead of answering (see `Fault`)."""
        with self._lock:
            self._faults.append(Fault(**fault))  # type: ignore[arg-type]

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path) and fault.after > 0:
                    fault.after -= 1
                elif path.startswith(fault.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    @contextmanager
    def running(self) -> Iterator[Front]:
        thread = threading.Thread(target=self.serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(5)

    # --- one request -------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        path, _, query_string = target.partition("?")
        if path.startswith("/oauth/"):
            return self._oauth(method, path, query_string, headers, body)
        canonical = API_HOST + target
        self.store  # noqa: B018
        for verb, pattern, handler, bucket in self._local.routes:  # noqa: B007
            match = pattern.fullmatch(path)
            if match and verb == method:
                break
        else:
            return _json(404, {"errors": [{"message": "Sorry, that page does not exist",
                                           "code": 34}]} if path.startswith("/1.1/") else
                         problem(404, "Not Found Error", f"{method} {path} is not an endpoint",
                                 "https://api.twitter.com/2/problems/resource-not-found").body)
        form = _is_form(headers)
        consumer, token = verify(self.oauth, canonical, method,
                                 body.decode("utf-8", "replace") if form else None, headers)
        if consumer is None or token is None or token.kind != "access" or token.revoked:
            unauthorized = ({"errors": [{"code": 89, "message": "Invalid or expired token."}]}
                            if path.startswith("/1.1/") else UNAUTHORIZED)
            return _json(401, unauthorized)
        try:
            call = self._call(consumer, token, match.groups(), query_string, headers, body)
        except ValueError:
            return _json(400, {"title": "Invalid Request", "detail": "The request body is not "
                               "valid JSON.", "type": "about:blank", "status": 400})
        return self._dispatch(handler, bucket, call)

    def _call(self, consumer: str, token: Token, args: tuple[str, ...], query_string: str,
              headers: dict[str, str], body: bytes) -> Call:
        app = self.oauth.app(consumer)
        call = Call(self.store.account_by_id(int(token.account_id or 0)), consumer,
                    app[1] if app else "basic", args, dict(parse_qsl(query_string)))
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json") and body:
            call.body = json.loads(body)
        elif content_type.startswith("multipart/form-data"):
            call.files = _multipart(content_type, body)
        elif _is_form(headers):
            call.body = dict(parse_qsl(body.decode()))
        return call

    def _dispatch(self, handler, bucket: str, call: Call) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
        user = call.caller.id
        day = bucket + DAY_SUFFIX
        try:
            if call.access_level == "free" and bucket not in FREE_BUCKETS | {"incoming"}:
                raise not_enrolled(call.consumer_key)  # (v1.1 paths answer 453 themselves)
            if day in self.limits:  # a 24-hour limit first: X refuses before counting
                self.store.spend(user, day)
            if bucket != "create_post":  # publishing counts its own calls in the store
                self.store.spend(user, bucket)
            status, body = handler(call)
        except RateLimited:
            status, body = 429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                 "type": "about:blank", "status": 429}
        except ApiError as e:
            status, body = e.status, e.body
        except PersonaError as e:  # the store's refusals: an unknown account or post
            status, body = 400, {"title": "Invalid Request", "detail": e.message,
                                 "type": "https://api.twitter.com/2/problems/invalid-request"}
        except (ValueError, KeyError, TypeError) as e:
            status, body = 400, {"title": "Invalid Request", "detail": str(e)[:200],
                                 "type": "https://api.twitter.com/2/problems/invalid-request"}
        state = self.store.rate_state(user, bucket)
        headers = {}
        if state:
            headers = {"x-rate-limit-limit": str(state[0]),
                       "x-rate-limit-remaining": str(state[1]),
                       "x-rate-limit-reset": str(int(state[2]) + 1)}
        daily = self.store.rate_state(user, day) if day in self.limits else None
        if daily:  # X sends these where a 24-hour limit applies, on 429s as on successes
            headers.update({"x-user-limit-24hour-limit": str(daily[0]),
                            "x-user-limit-24hour-remaining": str(daily[1]),
                            "x-user-limit-24hour-reset": str(int(daily[2]) + 1)})
        code, out_headers, payload = _json(status, body)
        return code, {**out_headers, **headers}, payload

    # --- the three legs of the PIN-based flow ------------------------------------------------

    def _oauth(self, method: str, path: str, query_string: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        query = dict(parse_qsl(query_string))
        if path == "/oauth/authorize" and method == "GET":
            return self._authorize(query)
        canonical = API_HOST + path + (f"?{query_string}" if query_string else "")
        form_body = body.decode("utf-8", "replace") if _is_form(headers) else None
        consumer, token = verify(self.oauth, canonical, method, form_body, headers)
        params = {**query, **dict(parse_qsl(form_body or "")),
                  **_oauth_header(headers.get("authorization", ""))}
        if path == "/oauth/request_token" and method == "POST" and consumer and token is None:
            made = self.oauth.request_token(consumer)
            return _form(200, {"oauth_token": made.token, "oauth_token_secret": made.secret,
                               "oauth_callback_confirmed": "true"})
        if path == "/oauth/access_token" and method == "POST" and consumer and token:
            access = self.oauth.exchange(token, params.get("oauth_verifier", ""))
            if access is not None:
                account = self.store.account_by_id(int(access.account_id or 0))
                return _form(200, {"oauth_token": access.token,
                                   "oauth_token_secret": access.secret,
                                   "user_id": str(account.id), "screen_name": account.handle})
        return 401, {"content-type": "text/plain"}, b"Invalid request token."

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The page where the account owner approves the app; the sandbox approves at once
        for the account named by `screen_name` (X's parameter to pre-fill the login)."""
        handle = query.get("screen_name", "")
        try:
            account = self.store.account(handle)
        except Exception:
            return 400, {"content-type": "text/plain"}, \
                b"add screen_name=HANDLE of a sandbox account to this URL\n"
        pin = self.oauth.authorize(query.get("oauth_token", ""), account.id)
        if pin is None:
            return 400, {"content-type": "text/plain"}, b"This page is no longer valid.\n"
        page = f"You've granted access to @{account.handle}. Your PIN: {pin}\n"
        return 200, {"content-type": "text/plain; charset=utf-8"}, page.encode()


def not_enrolled(consumer_key: str) -> ApiError:
    """X's answer to an endpoint outside the app's access level (a problem without
    `status`, as X sends it)."""
    return ApiError(403, {
        "client_id": str(sum(consumer_key.encode()) * 7919 % 10**8),
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use "
                  "keys and tokens from a Twitter developer App that is attached to a Project. "
                  "You can create a project via the developer portal.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden", "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": "https://api.twitter.com/2/problems/client-forbidden"})


def _json(status: int, body: object) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json; charset=utf-8"}, json.dumps(body).encode()


def _form(status: int, values: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/x-www-form-urlencoded"}, urlencode(values).encode()


def _is_form(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _oauth_header(value: str) -> dict[str, str]:
    from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

    try:
        return dict(parse_authorization_header(value)) if value.startswith("OAuth ") else {}
    except ValueError:
        return {}


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """A client that hangs up or sends garbage is the client's business: no traceback
        on the server's terminal."""


def _handler(front: Front) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as clients expect from X
        server_version = "tsa_b"

        def setup(self) -> None:
            super().setup()
            # headers and body go out as separate writes: without this, Nagle's algorithm
            # holds the body until the client's delayed ACK, 40 ms on every answer
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: tests and `sandbox serve` report what matters themselves

        def _one(self) -> None:
            try:
                length = int(self.headers.get("content-length") or 0)
                if length < 0:
                    raise ValueError(length)
            except ValueError:
                self._send(*_json(400, problem(400, "Bad Request", "Invalid Content-Length").body))
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            target = urlsplit(self.path)
            path = target.path + (f"?{target.query}" if target.query else "")
            fault = front.take_fault(target.path)
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and (fault.lose_answer or (fault.status and fault.work_first)):
                headers_in = {k.lower(): v for k, v in self.headers.items()}
                front.answer(self.command, path, headers_in, body)
            if fault and (fault.reset or fault.lose_answer):
                # SO_LINGER 0: close with a TCP reset, as a dropped connection looks
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if fault and fault.status:
                status, headers, payload = _json(fault.status, problem(
                    fault.status, "Service Unavailable" if fault.status == 503 else "Error",
                    "Service Unavailable").body)
            else:
                headers_in = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, headers, payload = front.answer(self.command, path, headers_in,
                                                            body)
                except Exception:  # noqa: BLE001 (answer like X would, and keep serving)
                    status, headers, payload = _json(500, problem(
                        500, "Internal Server Error", "Internal Server Error").body)
                if fault and fault.answer_after:  # done, but the answer is slow to come
                    time.sleep(fault.answer_after)
            self._send(status, headers, payload)

        def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PUT = _one

    return Handler
