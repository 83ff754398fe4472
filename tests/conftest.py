"""Shared fixtures. Every test runs with its own PERSONA_HOME and working directory, so
no test can read or write the user's real configuration, database or keyring."""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def persona_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PERSONA_HOME", str(home))
    for name in ("PERSONA_CONFIG", "PERSONA_DATABASE_URL", "PERSONA_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    # No test reaches a real keyring: only tests/x's private Secret Service, when asked for.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    reset_keyring()
    _reset_engine()
    yield home
    _reset_engine()


def reset_keyring() -> None:
    """Forget keyring's chosen backend, so the next use reads PYTHON_KEYRING_BACKEND again."""
    if "keyring.core" in sys.modules:
        sys.modules["keyring.core"]._keyring_backend = None


def _reset_engine() -> None:
    if "personas.db" in sys.modules:
        db = sys.modules["personas.db"]
        engine = db.engine
        if engine.cache_info().currsize:
            try:
                db.flush()  # a test's last post is recorded in its own database
            except Exception:  # noqa: BLE001 (a test may leave its database unusable)
                pass
            engine().dispose()
        engine.cache_clear()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `persona ARGS...` in this process, through the real entry point."""
    from personas.cli.main import run

    def invoke(*args: str, stdin: bytes | str = b"") -> Result:
        capsys.readouterr()
        data = stdin.encode() if isinstance(stdin, str) else stdin
        fake_stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", fake_stdin)
        monkeypatch.setattr(sys, "argv", ["persona", *args])
        try:
            run()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def write_config(tmp_path: Path):
    """Write an accounts.toml in the working directory and return its path."""

    def write(text: str, name: str = "accounts.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def persona_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for running `persona` as a separate process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONA_")}
    env.update(PERSONA_HOME=str(home), **extra)
    return env
