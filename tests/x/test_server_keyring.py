"""docs/server.md's keyring for a headless server, done as the page says: the password file
written by its command, gnome-keyring started by its unit's ExecStart in a private D-Bus
session (a user bus, as systemd's user instance has), and persona choosing its backend
through keyring's own configuration. The secrets are stored, survive a restart of the
daemon (a reboot), and appear in no file unencrypted, no log and no output."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, persona_env
from tests.x import secret_service
from tests.x.conftest import ACCOUNTS

DOC = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
PASSWORD = "correct horse battery staple"


def _unit() -> str:
    return re.search(r"```ini\n(\[Unit\]\nDescription=gnome-keyring.*?)```", DOC, re.S).group(1)


def _exec_start() -> list[str]:
    [line] = [x for x in _unit().splitlines() if x.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def _password_command() -> str:
    [line] = [x for x in DOC.splitlines() if "keyring-password" in x and "printf" in x]
    return line


def test_the_unit_file_is_one_systemd_reads_without_a_warning(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "persona-keyring.service"
    unit.write_text(_unit(), encoding="utf-8")
    checked = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


def test_the_documented_server_keyring_stores_and_unlocks_across_a_restart(tmp_path, front):
    home = tmp_path / "server"
    (home / "run").mkdir(mode=0o700, parents=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run"),
           "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_CONFIG_HOME": str(home / ".config")}
    # the password file, by the page's own command, typed at its prompt
    subprocess.run(["bash", "-c", "install -d -m 700 ~/.config/persona\n" + _password_command()],
                   input=PASSWORD + "\n", env=env, text=True, check=True, timeout=30)
    secret_file = home / ".config" / "persona" / "keyring-password"
    assert secret_file.read_text() == PASSWORD  # no newline: it would be part of it
    assert secret_file.stat().st_mode & 0o777 == 0o600

    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()  # type: ignore[union-attr]
    logs: list[Path] = []

    def start_unit() -> subprocess.Popen:  # type: ignore[type-arg]
        log = tmp_path / f"daemon-{len(logs)}.log"
        logs.append(log)
        with log.open("wb") as out:
            daemon = subprocess.Popen(_exec_start(), env=env, stdin=subprocess.DEVNULL,
                                      stdout=out, stderr=out)
        secret_service._wait_for_collection(env["DBUS_SESSION_BUS_ADDRESS"])
        return daemon

    config = tmp_path / "accounts.toml"
    config.write_text(ACCOUNTS.format(url=front.url), encoding="utf-8")
    # keyring's own choice: no PYTHON_KEYRING_BACKEND, no keyringrc.cfg
    run_env = {k: v for k, v in persona_env(tmp_path / "persona-home").items()
               if k != "PYTHON_KEYRING_BACKEND"}
    run_env.update({k: env[k] for k in ("HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
                                         "DBUS_SESSION_BUS_ADDRESS")})

    def persona(*args: str, stdin: str = "") -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        return subprocess.run([sys.executable, "-m", "personas", "--config", str(config), *args],
                              input=stdin, env=run_env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120)

    consumer_key, consumer_secret = front.oauth.register_app()
    outputs: list[str] = []
    daemon = start_unit()
    try:
        stored = persona("app", "set", "x", "--stdin", stdin=(
            f'{{"consumer_key": "{consumer_key}", "consumer_secret": "{consumer_secret}"}}'))
        assert stored.returncode == 0, stored.stderr
        outputs += [stored.stdout, stored.stderr]
        daemon.terminate()
        daemon.wait(10)
        daemon = start_unit()  # a reboot: the unit starts again and unlocks the same keyring
        doctor = persona("doctor", "--json")
        outputs += [doctor.stdout, doctor.stderr]
        checks = {f'{c["area"]}/{c["name"]}': c for c in json_of(doctor)["checks"]}
        assert checks["keyring/keyring"]["data"]["works"] is True
        assert "SecretService" in checks["keyring/keyring"]["data"]["backend"]
        # the app's keys were read back: what is missing now is only each persona's login
        assert checks["personas/me"]["data"]["login"] == "missing"
        assert checks["personas/me"]["fix"] == "run `persona login me`"
        # a wrong password in the file: the keyring stays locked, and doctor says so
        daemon.terminate()
        daemon.wait(10)
        secret_file.write_text("not the password")
        daemon = start_unit()
        locked = persona("doctor", "--json")
        outputs += [locked.stdout, locked.stderr]
        keyring = {c["name"]: c for c in json_of(locked)["checks"]}["keyring"]
        assert locked.returncode == 1 and keyring["data"]["works"] is False
        assert "locked" in keyring["detail"] and "keyring-password" in keyring["fix"]
        secret_file.write_text(PASSWORD)
    finally:
        daemon.terminate()
        daemon.wait(10)
        bus.terminate()
        bus.wait(10)

    keyring_file = home / ".local" / "share" / "keyrings" / "login.keyring"
    assert keyring_file.is_file()
    for path in home.rglob("*"):  # encrypted on disk: neither the secret nor the password
        if path.is_file() and path != secret_file:
            data = path.read_bytes()
            assert consumer_secret.encode() not in data, path
            assert PASSWORD.encode() not in data, path
    said = "".join(outputs) + "".join(log.read_text(errors="replace") for log in logs)
    assert consumer_secret not in said and consumer_key not in said and PASSWORD not in said


def json_of(result) -> dict:  # type: ignore[no-untyped-def, type-arg]
    import json

    assert result.stdout, result.stderr
    return json.loads(result.stdout)
