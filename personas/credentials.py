"""Secrets, in the OS keyring and nowhere else (the only module that imports keyring).

One entry per network account under the service name `persona`: `<network>:app` holds the
app's consumer key and secret, `<network>:@<handle>` an account's access token and secret.
Values are JSON. Nothing here prints, logs or raises a secret: the classes hide them from
`repr`, and errors name entries, never values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from personas.errors import ExitCode, PersonaError

SERVICE = "persona"
NO_BACKEND = ("no usable OS keyring for the credentials ({detail}); on a desktop, run persona "
              "in your logged-in session; on a server, run gnome-keyring unlocked by a systemd "
              "user unit (docs/server.md), or name a backend in PYTHON_KEYRING_BACKEND")


class NoKeyring(PersonaError):
    """The keyring cannot be used on this machine: exit 1 with the fixes, as for a database
    that cannot be reached (nothing typed was wrong, and the same command works once the
    keyring does)."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class AppKeys:
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)

    @property
    def user_id(self) -> str:
        """X's access tokens start with the id of the account they act for."""
        prefix, dash, _ = self.access_token.partition("-")
        return prefix if dash and prefix.isdigit() else ""


def _app_entry(network: str) -> str:
    return f"{network}:app"


def _account_entry(network: str, handle: str) -> str:
    return f"{network}:@{handle.lstrip('@').lower()}"


def _keyring():  # type: ignore[no-untyped-def]
    import keyring

    return keyring


def backend_name() -> str:
    """The backend keyring chose, as module.Class, or "none (why)"; reads no secret."""
    try:
        backend = _keyring().get_keyring()
    except Exception as e:  # noqa: BLE001 (a broken backend is what this reports)
        return f"none ({type(e).__name__})"
    return f"{type(backend).__module__}.{type(backend).__name__}"


def probe(entry: str) -> None:
    """Ask the keyring for an entry persona never stores: `NoKeyring` when it cannot answer
    (none, locked, broken). No secret is read."""
    _call(_keyring().get_password, SERVICE, entry)


def _call(action, *args):  # type: ignore[no-untyped-def]
    """Run a keyring call; a missing or broken backend becomes one line naming the fixes."""
    keyring = _keyring()
    try:
        return action(*args)
    except keyring.errors.NoKeyringError:
        raise NoKeyring(NO_BACKEND.format(detail="no backend is available")) from None
    except keyring.errors.KeyringLocked:
        raise NoKeyring(NO_BACKEND.format(detail="the keyring is locked")) from None
    except keyring.errors.InitError as e:
        raise NoKeyring(NO_BACKEND.format(detail=type(e).__name__)) from None
    except keyring.errors.KeyringError as e:
        # the backend's own text, but never the values we tried to store
        raise NoKeyring(NO_BACKEND.format(detail=f"{type(e).__name__}")) from None


def _get(entry: str) -> dict[str, str] | None:
    return _parse(entry, _call(_keyring().get_password, SERVICE, entry))


def _read_all(entries: tuple[str, ...]) -> list[str | None]:
    """Several entries at once. The Secret Service backend opens a D-Bus connection and an
    encrypted session (a key exchange) for every entry it reads; here, as it does, but
    once for all of them. Other backends read entry by entry."""
    keyring = _keyring()
    backend = keyring.get_keyring()
    from keyring.backends import SecretService

    if type(backend) is not SecretService.Keyring:
        return [backend.get_password(SERVICE, entry) for entry in entries]
    from contextlib import closing

    from secretstorage.util import open_session

    collection = backend.get_preferred_collection()
    found: list[str | None] = []
    with closing(collection.connection):
        collection.session = open_session(collection.connection)  # shared by its items
        for entry in entries:
            value = None
            for item in collection.search_items(backend._query(SERVICE, entry)):
                backend.unlock(item)
                value = item.get_secret().decode("utf-8")
                break
            found.append(value)
    return found


def _parse(entry: str, value: str | None) -> dict[str, str] | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise PersonaError(f"keyring entry {SERVICE}/{entry} is not persona's; "
                           "delete it and log in again")
    return data


def _set(entry: str, values: dict[str, str]) -> None:
    _call(_keyring().set_password, SERVICE, entry, json.dumps(values))


def _delete(entry: str) -> bool:
    keyring = _keyring()
    try:
        _call(keyring.delete_password, SERVICE, entry)
    except keyring.errors.PasswordDeleteError:
        return False
    except NoKeyring as e:
        if "PasswordDeleteError" in e.message:
            return False
        raise
    return True


def set_app(network: str, keys: AppKeys) -> None:
    _set(_app_entry(network), {"consumer_key": keys.consumer_key,
                               "consumer_secret": keys.consumer_secret})


def get_app(network: str) -> AppKeys | None:
    return _app_keys(_get(_app_entry(network)))


def _app_keys(data: dict[str, str] | None) -> AppKeys | None:
    return None if data is None else AppKeys(data["consumer_key"], data["consumer_secret"])


def set_tokens(network: str, handle: str, tokens: Tokens) -> None:
    _set(_account_entry(network, handle), {"access_token": tokens.access_token,
                                           "access_token_secret": tokens.access_token_secret})


def get_tokens(network: str, handle: str) -> Tokens | None:
    return _tokens(_get(_account_entry(network, handle)))


def _tokens(data: dict[str, str] | None) -> Tokens | None:
    return None if data is None else Tokens(data["access_token"], data["access_token_secret"])


def get_account(network: str, handle: str) -> tuple[AppKeys | None, Tokens | None]:
    """The app's keys and the account's tokens, read together (what a send needs)."""
    entries = (_app_entry(network), _account_entry(network, handle))
    app, tokens = (_parse(entry, value) for entry, value in zip(
        entries, _call(_read_all, entries), strict=True))
    return _app_keys(app), _tokens(tokens)


def delete_tokens(network: str, handle: str) -> bool:
    """Remove an account's tokens; False when there were none."""
    return _delete(_account_entry(network, handle))
