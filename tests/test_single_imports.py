"""tweepy is imported only by the X network's package (personas/networks/x/), and keyring
only by personas/credentials.py: a change of library, or of how secrets are kept, has one
place to go."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

ONLY = {"tweepy": ("personas/networks/x/",), "keyring": ("personas/credentials.py",)}


def importers(library: str) -> set[str]:
    found = set()
    for path in [*(ROOT / "personas").rglob("*.py"), *(ROOT / "router").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom)
                     and node.level == 0 else [])
            if any(n == library or n.startswith(library + ".") for n in names):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_tweepy_is_imported_only_by_the_x_network_package():
    found = importers("tweepy")
    assert found and all(p.startswith(ONLY["tweepy"]) for p in found), sorted(found)


def test_keyring_is_imported_only_by_credentials():
    found = importers("keyring")
    assert found and all(p.startswith(ONLY["keyring"]) for p in found), sorted(found)
