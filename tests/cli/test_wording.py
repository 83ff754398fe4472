"""Messages read as English: a name is never followed by a possessive, which gives
"persona 'me''s credentials" when the name is quoted and "we's community" when it is not."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# `{name}'s` or `{name!r}'s` in an f-string; `@{handle}'s` reads well and is left alone
_POSSESSIVE = re.compile(r"(?<!@)\{[^{}]*\}'s\b")


def test_no_message_puts_a_possessive_after_a_name():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for top in ("personas", "router")
             for path in sorted((ROOT / top).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _POSSESSIVE.search(line)]
    assert found == [], "say 'the X of persona NAME' instead:\n" + "\n".join(found)
