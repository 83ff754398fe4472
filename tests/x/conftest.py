"""The X network's fixtures: the real Secret Service in a private D-Bus session, the
sandbox's X API front on a free loopback port, and personas logged in to it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.x import secret_service as secret_service_module

ACCOUNTS = """
[networks.x]
kind = "x"
api_base = "{url}"
timeout = 5

[personas.me]
network = "x"
handle = "Jesse"
policy = "content-only"
own_domains = ["jessestay.com"]

[personas.you]
network = "x"
handle = "JessesLinks"
policy = "auto-follow"

[personas.we]
network = "x"
handle = "JesseStay"
policy = "private-community"
import_from = ["me", "you"]
"""


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory):
    """The real Secret Service in a private D-Bus session, for the whole test run."""
    try:
        address, stop = secret_service_module.start(tmp_path_factory.mktemp("keyring-home"))
    except RuntimeError as e:
        pytest.fail(str(e))
    yield address
    stop()


def keyring_items() -> list[tuple[str, bytes]]:
    """Every entry persona has in the Secret Service: (label, secret)."""
    return secret_service_module.persona_items(os.environ["DBUS_SESSION_BUS_ADDRESS"])


@pytest.fixture
def keyring(secret_service, monkeypatch: pytest.MonkeyPatch):
    """The private Secret Service for this test, emptied of persona's entries after it."""
    from tests.conftest import reset_keyring

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    reset_keyring()
    yield secret_service
    secret_service_module.clear(secret_service)
    reset_keyring()


@pytest.fixture
def front(persona_home: Path):
    """The front over the sandbox database of this test's PERSONA_HOME, as `persona sandbox
    serve` would run it."""
    from personas.config import data_dir
    from personas.sandbox.front import Front

    made = Front(data_dir() / "sandbox.db", ready_personas=[
        ("Jesse", False), ("JessesLinks", False), ("JesseStay", True)])
    with made.running():
        yield made


@dataclass
class XEnv:
    front: object
    config: Path
    consumer: tuple[str, str]

    def ctx(self, clock=None):  # type: ignore[no-untyped-def]
        from personas.clock import REAL
        from personas.context import Context

        return Context(self.config, clock=clock or REAL)

    def network(self):  # type: ignore[no-untyped-def]
        network = self.ctx().network("x")
        network.backoff = 0.01
        return network

    def persona(self, name: str):  # type: ignore[no-untyped-def]
        return self.ctx().persona(name)

    def issue(self, handle: str):  # type: ignore[no-untyped-def]
        """Fresh access tokens for a sandbox account, as X's developer page gives them."""
        from personas.credentials import Tokens

        store = self.front.store  # type: ignore[attr-defined]
        token = self.front.oauth.access_token(self.consumer[0],  # type: ignore[attr-defined]
                                              store.account(handle).id)
        return Tokens(token.token, token.secret)


@pytest.fixture
def x_env(front, keyring, write_config) -> XEnv:
    """accounts.toml pointing at the front, an app in the keyring, nobody logged in."""
    from personas import credentials

    config = write_config(ACCOUNTS.format(url=front.url))
    consumer = front.oauth.register_app()
    credentials.set_app("x", credentials.AppKeys(*consumer))
    return XEnv(front, config, consumer)


@pytest.fixture
def logged_in(x_env: XEnv) -> XEnv:
    """Every persona logged in (tokens imported and verified with the front)."""
    from personas import login

    for name, handle in (("me", "Jesse"), ("you", "JessesLinks"), ("we", "JesseStay")):
        login.login_with_tokens(x_env.ctx(), name, x_env.issue(handle))
    return x_env
