"""A private D-Bus session with an unlocked gnome-keyring: the real Secret Service, for the
tests and the bench, started and stopped by them (never the user's own session)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def start(home: Path) -> tuple[str, Callable[[], None]]:
    """Start the bus and the keyring under `home`; returns (bus address, stop)."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: run scripts/test.sh, which installs it")
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
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

    def stop() -> None:
        for process in (daemon, bus):
            process.terminate()
            process.wait(10)

    try:
        _wait_for_collection(address)
    except BaseException:
        stop()
        raise
    return address, stop


def _wait_for_collection(address: str) -> None:
    """Wait until the default collection answers (gnome-keyring creates it on start).

    The bus's owner is waited for first: a call to the Secret Service before the daemon
    has taken its name makes the bus start another one (its D-Bus activation file), a
    locked daemon without the collection, which then holds the name instead."""
    import secretstorage
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    deadline = time.time() + 20
    while True:
        try:
            with open_dbus_connection(address) as conn:
                owned = conn.send_and_get_reply(
                    message_bus.NameHasOwner("org.freedesktop.secrets")).body[0]
                if not owned:
                    raise LookupError("the Secret Service is not on the bus yet")
                secretstorage.get_default_collection(conn).is_locked()
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def persona_items(address: str) -> list[tuple[str, bytes]]:
    """Every entry persona has in this Secret Service: (label, secret)."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(address) as conn:
        collection = secretstorage.get_default_collection(conn)
        return [(item.get_label(), item.get_secret())
                for item in collection.search_items({"service": "persona"})]


def clear(address: str) -> None:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(address) as conn:
        for item in secretstorage.get_default_collection(conn).search_items(
                {"service": "persona"}):
            item.delete()
