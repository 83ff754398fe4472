"""Logging in to X: the PIN-based OAuth 1.0a flow, and checking whose credentials these
are."""

from __future__ import annotations

import requests

from personas import credentials
from personas.errors import CredentialsRejected, NetworkError, Transient
from personas.networks.base import Account
from personas.networks.x.convert import to_account
from personas.networks.x.errors import map_error
from personas.networks.x.transport import API, make_client, route
from router.policy import Persona


def start_login(options: dict[str, object], app: credentials.AppKeys, handle: str):  # type: ignore[no-untyped-def]
    """Ask X for a request token; returns (the URL to open, the session to finish with)."""
    from requests_oauthlib import OAuth1Session

    session = OAuth1Session(app.consumer_key, client_secret=app.consumer_secret,
                            callback_uri="oob")
    route(session, options)
    try:
        session.fetch_request_token(f"{API}/oauth/request_token")
        url = session.authorization_url(f"{API}/oauth/authorize", screen_name=handle,
                                        force_login="true")
    except Exception as e:  # noqa: BLE001
        raise _login_error(e) from None
    base = str(options.get("api_base") or API).rstrip("/")
    return base + url[len(API):], session


def finish_login(session, pin: str) -> credentials.Tokens:  # type: ignore[no-untyped-def]
    """Trade the PIN the user got from X for the account's access token."""
    try:
        answer = session.fetch_access_token(f"{API}/oauth/access_token", verifier=pin)
    except Exception as e:  # noqa: BLE001
        raise _login_error(e) from None
    return credentials.Tokens(answer["oauth_token"], answer["oauth_token_secret"])


def _login_error(e: Exception) -> NetworkError:
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    if isinstance(e, TokenRequestDenied):
        return CredentialsRejected(f"X refused the login ({e.status_code}): check the app's "
                                   "keys (`persona app set`) and the PIN, then try again")
    if isinstance(e, requests.RequestException):
        return Transient("the connection to X failed; check api_base and try again")
    if isinstance(e, ValueError):
        return CredentialsRejected("X's answer to the login was not understood; try again")
    raise e


def whoami(persona: Persona, options: dict[str, object], app: credentials.AppKeys,
           tokens: credentials.Tokens) -> Account:
    """The X account these credentials act for, as X says (GET /2/users/me)."""
    client = make_client(app, tokens, options)
    try:
        return to_account(client.get_me(user_fields=["protected"], user_auth=True).data)
    except Exception as e:  # noqa: BLE001
        error = map_error(persona, e)
    if isinstance(error, CredentialsRejected):
        raise CredentialsRejected("X rejected these credentials (401): check the access token "
                                  "and secret, or log in again with the PIN") from None
    raise error
