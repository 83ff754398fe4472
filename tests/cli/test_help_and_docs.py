"""Every command explains itself with an example, docs/cli.md is the help, and start-up
stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, persona_env

sys.path.insert(0, str(ROOT / "tools"))


def all_commands() -> list[str]:
    import gen_cli_docs

    return [path for path, _cmd, _ctx in gen_cli_docs.commands()]


@pytest.mark.parametrize("path", all_commands())
def test_every_command_has_help_with_an_example(cli, path):
    r = cli(*path.split()[1:], "--help")
    assert r.code == 0
    assert "Example" in r.out, f"`{path} --help` has no example"


def test_docs_cli_md_matches_the_help():
    proc = subprocess.run([sys.executable, "tools/gen_cli_docs.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["route", "hello"], ["route", "--json", "see https://a.example.org"]])
def test_start_up_does_not_import_sqlalchemy_or_tweepy(persona_home, args):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "personas", *args],
                          cwd=ROOT, env=persona_env(persona_home), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
              if line.startswith("import time:")}
    heavy = {name for name in loaded if name.split(".")[0] in {"sqlalchemy", "sqlmodel", "tweepy",
                                                                "alembic", "keyring"}}
    assert heavy == set()


def test_docs_exist_for_routing():
    text = (ROOT / "docs" / "routing.md").read_text()
    for word in ("original", "link", "reply", "repost", "quote", "content-only", "auto-follow",
                 "private-community", "own_domains"):
        assert word in text


def test_route_stays_light_with_jobs_configured(persona_home):
    from personas.config import example_text

    (persona_home / "accounts.toml").write_text(example_text(sandbox=True).replace(
        'policy = "auto-follow"', 'policy = "auto-follow"\n[personas.you.jobs]\nmetrics = "6h"'))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "personas", "route", "hi"],
                          cwd=ROOT, env=persona_env(persona_home), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [line for line in proc.stderr.splitlines()
                if line.rstrip().endswith(("| sqlalchemy", "| sqlmodel", "| tweepy"))]


def test_the_readme_gives_every_exit_code_its_name_and_meaning():
    """Exit 1 is for a database or disk that fails as much as for the network: its name and
    README's words say so, and the statuses stay the ones scripts already test for."""
    from personas.errors import (
        ExitCode,
        Interrupted,
        NetworkError,
        RemoteRefused,
        StorageError,
        WriteFailed,
    )

    readme = (ROOT / "README.md").read_text()
    for code in ExitCode:
        assert f"| `{code.value}` | `{code.name}` |" in readme, code
    [failed] = [line for line in readme.splitlines() if line.startswith("| `1` |")]
    assert all(word in failed for word in ("network", "database", "disk"))
    assert {e("x").exit_code for e in (StorageError, WriteFailed, NetworkError,
                                       RemoteRefused)} == {ExitCode.FAILED}
    assert (ExitCode.OK, ExitCode.FAILED, ExitCode.REFUSED, Interrupted("x").exit_code) == \
        (0, 1, 2, 130)


def test_the_readme_examples_name_the_post_they_make(cli):
    """The README's repost and reply name ana's post by its id: after the quick start's
    post, the id the simulated mention prints (run as written, in order)."""
    import re
    import shlex

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## What you can do", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [shlex.split(line.split("  #", 1)[0]) for line in block.strip().splitlines()]
    assert cli("post", "Hello from persona").code == 0  # the quick start
    said = ""
    for args in lines:
        if args[1] in ("repost", "reply"):
            break
        run = cli(*args[1:])
        assert run.code == 0, (args, run.err)
        said += run.out + run.err
    [ana] = re.findall(r"@ana mentioned @you: post (\d+)", said)
    targets = [args[2] for args in lines if args[1] in ("repost", "reply")]
    assert targets == [ana, ana]
