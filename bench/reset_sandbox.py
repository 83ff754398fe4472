"""Empty the sandbox's posts and the outbox under $PERSONA_HOME (bench set-up, not timed)."""

import os
import sqlite3
from pathlib import Path

home = Path(os.environ["PERSONA_HOME"])
with sqlite3.connect(home / "sandbox.db") as db:
    db.execute("DELETE FROM posts")
with sqlite3.connect(home / "persona.db") as db:
    db.execute("DELETE FROM items")
    db.execute("DELETE FROM events")
