"""What every request to X goes through: the persona's credentials, read from the keyring
once per run and checked against the account verified at login, the tweepy clients made
from them, the hook that reports X's rate headers, and `_call`: retries with backoff,
failures mapped to the project's error types."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests
import tweepy

from personas import credentials, verified
from personas.config import NetworkConfig
from personas.errors import CredentialsRejected, RateLimited, Transient
from personas.networks.base import RateObservers
from personas.networks.x.errors import map_error
from personas.networks.x.transport import bucket, daily_headers, make_client, rate_headers, route
from personas.ratelimit import X_LIMITS, daily
from router.policy import Persona

T = TypeVar("T")


class XSession:
    """The credentials, clients and request loop an `XNetwork` is built on."""

    kind = "x"
    retries = 2  # a transient failure is tried at most this many more times
    backoff = 1.0  # seconds before the first retry, doubled each time, plus jitter

    def __init__(self, config: NetworkConfig, *, observers: RateObservers | None = None) -> None:
        self.name = config.name
        self.options = config.options
        self._clients: dict[str, tuple[str, tweepy.Client]] = {}
        self._credentials: dict[str, tuple[credentials.AppKeys, credentials.Tokens]] = {}
        self._verified: dict[str, str | None] = {}
        # --- rate windows reported, account ids learned from pages ---
        self.observers = observers if observers is not None else RateObservers()
        self.rate_limits = dict(X_LIMITS)  # seeds until X's headers say otherwise
        self._ids: dict[tuple[str, str], str] = {}  # (persona, handle lower case) -> id

    # --- credentials and clients -------------------------------------------------------------

    def _tokens(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        """The app's and the persona's credentials, read from the keyring once per run."""
        if persona.name not in self._credentials:
            self._credentials[persona.name] = self._read_tokens(persona)
        return self._credentials[persona.name]

    def forget(self, persona: Persona) -> None:
        """Drop what was read for this persona, so the next call reads the keyring again
        (after `persona login`, a running worker picks up the new credentials)."""
        for cache in (self._credentials, self._verified, self._clients):
            cache.pop(persona.name, None)

    def _read_tokens(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        try:
            return self._read_keyring(persona)
        except credentials.NoKeyring as e:
            # The item is kept and waits, like one whose credentials X refused.
            raise CredentialsRejected(f"cannot read the credentials of persona {persona.name!r}: "
                                      f"{e.message}") from None

    def _read_keyring(self, persona: Persona) -> tuple[credentials.AppKeys, credentials.Tokens]:
        app, tokens = credentials.get_account(self.name, persona.handle)
        if app is None:
            raise CredentialsRejected(f"no X app credentials for network {self.name!r}: run "
                                      f"`persona app set {self.name}`")
        if tokens is None:
            raise CredentialsRejected(f"no credentials for persona {persona.name!r}: run "
                                      f"`persona login {persona.name}`")
        return app, tokens

    def _check_account(self, persona: Persona, tokens: credentials.Tokens) -> None:
        """Refuse credentials that do not act for the account verified at login."""
        if persona.name not in self._verified:  # read once per run, like the credentials
            self._verified[persona.name] = verified.account_id(persona.name, self.name,
                                                               persona.handle)
        expected = self._verified[persona.name]
        if expected is None:
            raise CredentialsRejected(f"persona {persona.name!r} has no verified X account: "
                                      f"run `persona login {persona.name}`")
        if tokens.user_id != expected:
            raise CredentialsRejected(
                f"the credentials of persona {persona.name!r} act for X account "
                f"{tokens.user_id or 'unknown'}, not @{persona.handle} ({expected}) verified at "
                f"login; nothing was sent: run `persona login {persona.name}`")

    def _my_id(self, persona: Persona) -> str:
        """The persona's account id: the verified one, which the credentials carry."""
        return self._tokens(persona)[1].user_id

    def client(self, persona: Persona, *, check: bool = True) -> tweepy.Client:
        app, tokens = self._tokens(persona)
        if check:
            self._check_account(persona, tokens)
        cached = self._clients.get(persona.name)
        if cached and cached[0] == tokens.access_token:
            return cached[1]
        made = make_client(app, tokens, self.options)
        made.session.hooks["response"].append(self._rate_hook(persona))
        self._clients[persona.name] = (tokens.access_token, made)
        return made

    def _rate_hook(self, persona: Persona):  # type: ignore[no-untyped-def]
        """A requests hook telling the observers what each answer's headers say."""
        def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
            if not self.observers:
                return
            name = bucket(response.request.method or "", response.request.url or "")
            if name is None:
                return
            state = rate_headers(response)
            if state:
                self.observers(persona.name, name, *state)
            for window, limits in daily_headers(response):  # X's 24-hour limits too
                self.observers(persona.name, daily(name, window), *limits)
        return hook

    def v1(self, persona: Persona) -> tweepy.API:
        app, tokens = self._tokens(persona)
        self._check_account(persona, tokens)
        auth = tweepy.OAuth1UserHandler(app.consumer_key, app.consumer_secret,
                                        tokens.access_token, tokens.access_token_secret)
        api = tweepy.API(auth, retry_count=0)
        route(api.session, self.options)
        api.session.hooks["response"].append(self._rate_hook(persona))
        return api

    def _call(self, persona: Persona, action: Callable[[], T], retry: bool = True) -> T:
        """Run one request: transient failures retried with backoff and jitter, bounded.
        `retry=False` for what X would do twice (a post, a message): a failure that may
        have been done is raised at once (`Transient.unsure`), for the caller to look for
        what it made before it tries again (the outbox does); one that X cannot have seen
        (no connection was made) is still retried."""
        for attempt in range(self.retries + 1):
            try:
                return action()
            except Exception as e:  # noqa: BLE001 (mapped, or re-raised when unknown)
                error = map_error(persona, e)
            if isinstance(error, CredentialsRejected):
                self.forget(persona)  # read the keyring afresh next time
            if not isinstance(error, Transient) or isinstance(error, RateLimited) \
                    or attempt == self.retries or (error.unsure and not retry):
                raise error
            time.sleep(self.backoff * 2 ** attempt * (1 + random.random()))
        raise AssertionError("unreachable")

