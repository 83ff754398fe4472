"""The import contracts of pyproject.toml's [tool.importlinter] hold: the layers (router <
shared < storage < networks < features < cli), no import cycles, tweepy only in the X client,
keyring only in personas.credentials, a router without I/O (docs/architecture.md).
`lint-imports` checks them, as a contributor runs it; these tests run it on this checkout,
and on copies with one import too many to see that each contract is really checked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the packages under root, as they are there (not as installed)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    command = shutil.which("lint-imports", path=path)
    assert command, "lint-imports is not installed: pip install -e '.[test]' (import-linter)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([command, "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def verdicts(output: str) -> dict[str, str]:
    """Each contract's name -> KEPT or BROKEN, as lint-imports lists them."""
    names = [c["name"] for c in contracts()]
    found = {}
    for line in output.splitlines():
        for name in names:
            if line.startswith(name + " "):
                found[name] = "BROKEN" if "BROKEN" in line else "KEPT"
    return found


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert set(verdicts(proc.stdout).values()) == {"KEPT"}
    assert len(verdicts(proc.stdout)) == len(contracts())


def test_every_module_has_a_layer():
    """A module in no layer would escape the layers contract: each one is named, or is in a
    package that is."""
    [layers] = [c["layers"] for c in contracts() if c["type"] == "layers"]
    named = {part.strip() for layer in layers for part in layer.replace("|", ":").split(":")}
    missing = []
    for file in sorted((ROOT / "personas").rglob("*.py")):
        parts = file.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        covered = [n for n in named if module == n or module.startswith(n + ".")]
        if not covered and file.name != "__init__.py":
            missing.append(module)
        assert len(covered) <= 1, f"{module} is in more than one layer: {covered}"
    assert missing == [], "add these modules to a layer in pyproject.toml: " + ", ".join(missing)


# One import too many, and the contract it breaks.
BREAKS = {
    "a lower layer imports a higher one": (
        "personas/config.py", "\n\ndef _jobs_late():\n    from personas import jobs\n\n"
        "    return jobs\n", {"router < shared < storage < networks < features < cli",
                            "no import cycles"}),
    "two storage modules import each other": (
        "personas/columns.py", "\n\ndef _late():\n    import personas.models  # noqa: F401\n",
        {"no import cycles"}),
    "tweepy outside the X client": (
        "personas/posting.py", "\n\ndef _late():\n    import tweepy  # noqa: F401\n",
        {"tweepy only in personas.networks.x"}),
    "the router reads a file": (
        "router/text.py", "\n\ndef _late():\n    import pathlib  # noqa: F401\n",
        {"router is pure: no I/O, no clock, nothing of personas"}),
    "keyring outside personas.credentials": (
        "personas/cli/main.py", "\n\ndef _late():\n    import keyring  # noqa: F401\n",
        {"keyring only in personas.credentials"}),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_broken_contract_fails_the_check(tmp_path, case):
    file, added, broken = BREAKS[case]
    copy = tmp_path / "copy"
    for name in ("personas", "router"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    with (copy / file).open("a") as f:
        f.write(added)
    proc = lint_imports(copy)
    assert proc.returncode != 0
    found = verdicts(proc.stdout)
    assert {name for name, verdict in found.items() if verdict == "BROKEN"} == broken, proc.stdout


def test_the_tests_docs_architecture_md_cites_exist():
    """Each invariant names the tests that prove it: a renamed or deleted test is a broken
    citation, found here rather than by a reader."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    cited = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(cited) > 20
    missing = [f"{file}::{name}" for file, name in cited
               if not (ROOT / file).exists() or f"def {name}(" not in (ROOT / file).read_text()]
    assert missing == []
