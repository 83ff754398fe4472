"""OAuth 1.0a for the sandbox's X API front: apps, request and access tokens, signatures.

Tokens live in the sandbox store's database, next to the accounts they act for. An access
token has X's form "<user id>-<random>": tweepy reads the acting user id from that prefix.
Signatures are checked with oauthlib over the canonical https://api.twitter.com URL, which
is what a client signs even when its traffic is sent to the loopback front.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

from personas.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    consumer_key TEXT PRIMARY KEY,
    consumer_secret TEXT NOT NULL,
    -- read-write | read-write-dm | basic: which v1.1 paths answer 453 (no access);
    -- free: only posting and the own profile, the rest answers 403 client-not-enrolled
    access_level TEXT NOT NULL DEFAULT 'read-write-dm'
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    consumer_key TEXT NOT NULL,
    kind TEXT NOT NULL,  -- request | access
    account_id INTEGER,  -- set once authorized
    verifier TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Token:
    token: str
    secret: str
    consumer_key: str
    kind: str
    account_id: int | None
    verifier: str | None
    revoked: bool


TIMESTAMP_LIFETIME = 600  # a request is accepted 600 s either way of its timestamp (as X)


class Nonces:
    """The nonces of the requests a front accepted, kept while their timestamps are still
    accepted; one per front, shared by its threads (a connection's thread is new)."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, str, str], float] = {}  # -> when it may be forgotten
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def use(self, client_key: str, token: str | None, nonce: str, timestamp: str) -> bool:
        """Take a signed request's nonce; False when the same client and token already used
        it, i.e. the request is a replay."""
        now = time.time()
        key = (client_key, token or "", nonce)
        with self._lock:
            if now >= self._next_prune:
                self._until = {k: until for k, until in self._until.items() if until > now}
                self._next_prune = now + 60
            if self._until.get(key, 0.0) > now:
                return False
            # oauthlib took the timestamp (ten digits, an integer) and accepts it up to and
            # including `timestamp + TIMESTAMP_LIFETIME`: the nonce is kept a second longer
            self._until[key] = int(timestamp) + TIMESTAMP_LIFETIME + 1
            return True


class OAuthStore:
    """Apps and tokens of the sandbox, in the store's database; `nonces`, those of the
    requests already accepted (the front's, so that every thread sees them)."""

    def __init__(self, store: Store, nonces: Nonces | None = None) -> None:
        self.store = store
        self.nonces = nonces if nonces is not None else Nonces()
        store.db.executescript(SCHEMA)

    def register_app(self, access_level: str = "read-write-dm") -> tuple[str, str]:
        key, secret = secrets.token_urlsafe(18), secrets.token_urlsafe(36)
        with self.store.write() as db:
            db.execute("INSERT INTO apps VALUES (?,?,?)", (key, secret, access_level))
        return key, secret

    def app(self, consumer_key: str) -> tuple[str, str] | None:
        """(secret, access level) of an app, or None."""
        row = self.store.db.execute("SELECT consumer_secret, access_level FROM apps WHERE"
                                    " consumer_key = ?", (consumer_key,)).fetchone()
        return None if row is None else (row[0], row[1])

    def set_access_level(self, consumer_key: str, level: str) -> None:
        with self.store.write() as db:
            db.execute("UPDATE apps SET access_level = ? WHERE consumer_key = ?",
                       (level, consumer_key))

    def _insert(self, token: str, consumer_key: str, kind: str, account_id: int | None) -> Token:
        secret = secrets.token_urlsafe(30)
        with self.store.write() as db:
            db.execute("INSERT INTO tokens (token, secret, consumer_key, kind, account_id,"
                       " created_at) VALUES (?,?,?,?,?,?)",
                       (token, secret, consumer_key, kind, account_id, time.time()))
        return Token(token, secret, consumer_key, kind, account_id, None, False)

    def request_token(self, consumer_key: str) -> Token:
        return self._insert(secrets.token_urlsafe(24), consumer_key, "request", None)

    def access_token(self, consumer_key: str, account_id: int) -> Token:
        return self._insert(f"{account_id}-{secrets.token_urlsafe(30)}", consumer_key,
                            "access", account_id)

    def token(self, token: str) -> Token | None:
        row = self.store.db.execute("SELECT token, secret, consumer_key, kind, account_id,"
                                    " verifier, revoked FROM tokens WHERE token = ?",
                                    (token,)).fetchone()
        return None if row is None else Token(*row[:6], bool(row[6]))

    def authorize(self, token: str, account_id: int) -> str | None:
        """The PIN for a request token authorized by an account; None for an unknown token."""
        verifier = f"{secrets.randbelow(10**7):07d}"
        with self.store.write() as db:
            done = db.execute("UPDATE tokens SET account_id = ?, verifier = ? WHERE token = ?"
                              " AND kind = 'request' AND verifier IS NULL",
                              (account_id, verifier, token)).rowcount
        return verifier if done else None

    def exchange(self, request: Token, verifier: str) -> Token | None:
        """The access token for an authorized request token and its PIN; used once."""
        if request.kind != "request" or request.account_id is None or not verifier or \
                not secrets.compare_digest(request.verifier or "", verifier):
            return None
        with self.store.write() as db:
            db.execute("DELETE FROM tokens WHERE token = ?", (request.token,))
        return self.access_token(request.consumer_key, request.account_id)

    def revoke(self, account_id: int) -> int:
        """Revoke every access token of an account, as when the user removes the app."""
        with self.store.write() as db:
            return db.execute("UPDATE tokens SET revoked = 1 WHERE account_id = ? AND"
                              " kind = 'access' AND revoked = 0", (account_id,)).rowcount


class _Validator(RequestValidator):
    """What oauthlib asks of the server; unknown keys get dummies so timing says nothing."""

    enforce_ssl = True  # the canonical URL is https even when the front is plain http
    dummy_client = "dummy-client"
    dummy_access_token = "dummy-token"
    allowed_signature_methods = ("HMAC-SHA1",)
    timestamp_lifetime = TIMESTAMP_LIFETIME

    def __init__(self, oauth: OAuthStore) -> None:
        super().__init__()
        self.oauth = oauth

    def check_client_key(self, client_key: str) -> bool:
        return 0 < len(client_key) <= 200

    def check_access_token(self, token: str) -> bool:
        return 0 < len(token) <= 200

    check_request_token = check_access_token

    def check_nonce(self, nonce: str) -> bool:
        return 0 < len(nonce) <= 200

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request,  # type: ignore[no-untyped-def]
                                     request_token=None, access_token=None) -> bool:
        return True  # oauthlib checks the window; `verify` takes the nonce once signed

    def validate_client_key(self, client_key: str, request) -> bool:  # type: ignore[no-untyped-def]
        return self.oauth.app(client_key) is not None

    def get_client_secret(self, client_key: str, request) -> str:  # type: ignore[no-untyped-def]
        app = self.oauth.app(client_key)
        return app[0] if app else "dummy-secret"

    def get_access_token_secret(self, client_key: str, token: str, request) -> str:  # type: ignore[no-untyped-def]
        found = self.oauth.token(token)
        return found.secret if found and found.consumer_key == client_key else "dummy-secret"


def verify(oauth: OAuthStore, canonical_uri: str, method: str, body: str | None,
           headers: dict[str, str]) -> tuple[str | None, Token | None]:
    """(consumer key, token) of a correctly signed request, or (None, None); a replayed
    one (its nonce already used by the same client and token) is not correctly signed.

    A request with a valid signature but a revoked or unknown token yields its token as
    None only when none was sent; a revoked one is returned so the caller can say so.
    """
    endpoint = SignatureOnlyEndpoint(_Validator(oauth))
    valid, request = endpoint.validate_request(canonical_uri, method, body, headers)
    if not valid or request is None:
        return None, None
    # Only a correctly signed request spends its nonce; sent again, it is refused as X does.
    if not oauth.nonces.use(request.client_key, request.resource_owner_key, request.nonce,
                            request.timestamp):
        return None, None
    token = oauth.token(request.resource_owner_key) if request.resource_owner_key else None
    if request.resource_owner_key and token is None:
        return None, None
    return request.client_key, token
