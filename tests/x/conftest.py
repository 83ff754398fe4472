"""The X network's fixtures: the real Secret Service in a private D-Bus session, the
sandbox's X API front on a free loopback port, and personas logged in to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

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
    """A private D-Bus session with an unlocked gnome-keyring: the real Secret Service."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run scripts/test.sh, which installs it")
    home = tmp_path_factory.mktemp("keyring-home")
    (home / "run").mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_RUNTIME_DIR": str(home / "run")}
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    address = bus.stdout.readline().strip()  # type: ignore[union-attr]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--components=secrets",
                               "--unlock"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    daemon.stdin.write(b"test-keyring-password")  # type: ignore[union-attr]
    daemon.stdin.close()  # type: ignore[union-attr]
    previous = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    try:
        _wait_for_collection()
    finally:
        if previous is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS")
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous
    yield address
    for process in (daemon, bus):
        process.terminate()
        process.wait(10)


def _wait_for_collection() -> None:
    import secretstorage

    deadline = time.time() + 20
    while True:
        try:
            with secretstorage.dbus_init() as conn:
                secretstorage.get_default_collection(conn).is_locked()
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def keyring_items() -> list[tuple[str, bytes]]:
    """Every entry persona has in the Secret Service: (label, secret)."""
    import secretstorage

    with secretstorage.dbus_init() as conn:
        collection = secretstorage.get_default_collection(conn)
        return [(item.get_label(), item.get_secret())
                for item in collection.search_items({"service": "persona"})]


@pytest.fixture
def keyring(secret_service, monkeypatch: pytest.MonkeyPatch):
    """The private Secret Service for this test, emptied of persona's entries after it."""
    import secretstorage

    from tests.conftest import reset_keyring

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    reset_keyring()
    yield secret_service
    with secretstorage.dbus_init() as conn:
        for item in secretstorage.get_default_collection(conn).search_items(
                {"service": "persona"}):
            item.delete()
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

    def ctx(self):  # type: ignore[no-untyped-def]
        from personas.context import Context

        return Context(self.config)

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
