"""Shell completion, through click's own machinery as bash drives it: commands, and the
names of the personas in the configuration for every option or argument that takes one."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, persona_env

CONFIG = """
[networks.sandbox]
kind = "sandbox"

[personas.alice]
network = "sandbox"
handle = "alice"
policy = "content-only"

[personas.albert]
network = "sandbox"
handle = "albert"
policy = "auto-follow"

[personas.bob]
network = "sandbox"
handle = "bob"
policy = "private-community"
"""


def complete(home, *words: str) -> list[str]:  # type: ignore[no-untyped-def]
    """What bash would offer for the last word of `persona WORDS...`."""
    line = ["persona", *words]
    env = persona_env(home, _PERSONA_COMPLETE="complete_bash", COMP_WORDS=" ".join(line),
                      COMP_CWORD=str(len(line) - 1))
    run = subprocess.run([sys.executable, "-m", "personas"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    return run.stdout.split()


def test_commands_and_persona_names_complete(persona_home, write_config):
    config = str(write_config(CONFIG))
    assert complete(persona_home, "doc") == ["doctor"]
    assert complete(persona_home, "-c", config, "post", "--as", "") == ["alice", "albert", "bob"]
    assert complete(persona_home, "-c", config, "post", "--as", "al") == ["alice", "albert"]
    assert complete(persona_home, "-c", config, "login", "b") == ["bob"]
    assert complete(persona_home, "-c", config, "queue", "--persona", "a") == ["alice", "albert"]
    assert complete(persona_home, "-c", config, "follow", "sync", "") == ["alice", "albert",
                                                                           "bob"]
    assert complete(persona_home, "-c", config, "community", "sync", "--persona", "b") == ["bob"]
    # without --config, the configuration persona would find: here the built-in one
    assert complete(persona_home, "sandbox", "timeline", "y") == ["you"]


def test_a_broken_configuration_completes_nothing(persona_home, write_config):
    config = str(write_config("[personas.x\n"))
    assert complete(persona_home, "-c", config, "post", "--as", "") == []


def test_completion_can_be_shown_and_installed(persona_home):
    env = persona_env(persona_home)
    shown = subprocess.run([sys.executable, "-m", "personas", "--show-completion", "bash"],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "_PERSONA_COMPLETE=complete_bash" in shown.stdout
    helped = subprocess.run([sys.executable, "-m", "personas", "--help"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert "--install-completion" in helped.stdout
