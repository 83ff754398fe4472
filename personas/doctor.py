"""`persona doctor`: where persona stands on this machine, each problem with its fix.

It looks and changes nothing: the database is opened without migrating it (a database
behind the schema's head is reported, not upgraded), the keyring is asked for an entry that
does not exist (which shows whether it works, and reveals no secret), and each X network
gets one short request to its API's host.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from personas.errors import PersonaError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from personas.config import Config

REACH_TIMEOUT = 3.0  # seconds for a network's reachability check
IDLE = timedelta(minutes=10)  # items due this long with no worker seen: nothing sends them
_PROBE = "doctor:probe"  # an entry persona never stores: reading it touches no secret


@dataclass
class Check:
    area: str
    name: str
    ok: bool
    detail: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, area: str, name: str, ok: bool, detail: str, fix: str = "",
            **data: Any) -> Check:
        check = Check(area, name, ok, detail, fix, data)
        self.checks.append(check)
        return check

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_json(self) -> dict[str, object]:
        return {"healthy": not self.problems, "checks": [asdict(c) for c in self.checks]}


def examine(config_path: Path | None) -> Report:
    report = Report()
    cfg = _config(report, config_path)
    _data_dir(report)
    engine = _database(report)
    needs_keyring = cfg is not None and any(n.kind == "x" for n in cfg.networks.values())
    keyring_ok = _keyring(report, needs_keyring)
    if cfg is not None:
        _personas(report, cfg, engine, keyring_ok)
        _networks(report, cfg)
    _worker(report, cfg, engine)
    _versions(report)
    if engine is not None:
        engine.dispose()
    return report


# --- configuration and files ---------------------------------------------------------------

def _config(report: Report, explicit: Path | None) -> Config | None:
    from personas import config

    source = ("--config" if explicit is not None else
              "$PERSONA_CONFIG" if os.environ.get("PERSONA_CONFIG") else "search")
    try:
        path = config.find_config(explicit)
        cfg = config.load(explicit)
    except PersonaError as e:
        problem, _, fix = e.message.partition("; ")  # its messages end with their fix
        report.add("config", "accounts.toml", False, problem, fix or "fix accounts.toml",
                   source=source)
        return None
    if path is None:
        report.add("config", "accounts.toml", True,
                   "none found: the built-in me / you / we personas on the sandbox",
                   path=None, source="built-in")
    else:
        if source == "search":
            source = "./accounts.toml" if path == Path("accounts.toml") else "config directory"
        report.add("config", "accounts.toml", True, f"{path.resolve()} (from {source})",
                   path=str(path.resolve()), source=source)
    return cfg


def _data_dir(report: Report) -> None:
    from personas.config import data_dir

    directory = data_dir()
    if not directory.exists():
        report.add("files", "data directory", True,
                   f"{directory} (not made yet: the first command that stores makes it)",
                   path=str(directory))
    elif not os.access(directory, os.W_OK | os.X_OK):
        report.add("files", "data directory", False, f"{directory} is not writable",
                   f"make it writable (chmod u+rwx {directory}), or set PERSONA_HOME",
                   path=str(directory))
    else:
        report.add("files", "data directory", True, str(directory), path=str(directory))


def _database(report: Report) -> Engine | None:
    """The database's place, size and schema revision; an engine that does not migrate."""
    from sqlalchemy import create_engine

    from personas import db
    from personas.migrations import HEAD

    path = db.sqlite_path()
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            report.add("database", "database", True,
                       f"{path} (not made yet: the first command that stores makes it)",
                       url=f"sqlite:///{path}", size=0, revision=None, head=HEAD)
            return None
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        url, where = f"sqlite:///{path}", str(path)
    else:
        url = db.database_url()
        size = None
    try:
        engine = create_engine(url, connect_args={"timeout": 5} if path else
                               {"connect_timeout": 5})
        if path is None:
            where = engine.url.render_as_string(hide_password=True)
        revision = db.current_revision(engine)
        if path is None:
            size = _postgres_size(engine)
    except Exception as e:  # noqa: BLE001 (every failure is reported, none raised)
        detail = getattr(e, "message", None) or db.first_line(e)
        if type(e).__name__ in ("ArgumentError", "NoSuchModuleError") or isinstance(
                e, (ImportError, ValueError)):  # their text repeats the URL, password and all
            detail = "PERSONA_DATABASE_URL is not a database URL persona can use"
        report.add("database", "database", False, detail,
                   "check PERSONA_DATABASE_URL, the server, or the file's disk and permissions",
                   url=None if path is None else url, size=size, revision=None, head=HEAD)
        return None
    shown_size = f"{size / 1_000_000:.1f} MB" if size is not None else "size unknown"
    data = {"url": where if path is None else url, "size": size, "revision": revision,
            "head": HEAD}
    if revision == HEAD:
        report.add("database", "database", True,
                   f"{where}, {shown_size}, schema {revision} (current)", **data)
        return engine
    if revision is None:
        report.add("database", "database", True,
                   f"{where}, {shown_size}, empty (the first command that stores makes its "
                   "tables)", **data)
        return None
    if revision is not None and revision not in _known_revisions():
        report.add("database", "database", False,
                   f"{where}, {shown_size}, schema {revision}: made by a newer persona (this "
                   f"one knows up to {HEAD})", "upgrade persona on this machine", **data)
    else:
        report.add("database", "database", False,
                   f"{where}, {shown_size}, schema {revision}, behind {HEAD}",
                   "run `persona queue` (any command that opens the database brings it to "
                   f"{HEAD}; back it up first if you like)", **data)
    return engine


def _known_revisions() -> set[str]:
    """The revisions this persona's migrations name (their files start with them)."""
    versions = Path(__file__).parent / "migrations" / "versions"
    return {p.name.split("_", 1)[0] for p in versions.glob("*.py")}


def _postgres_size(engine: Engine) -> int | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar()


# --- the keyring and the personas ------------------------------------------------------------

def _keyring(report: Report, needed: bool) -> bool:
    from personas import credentials

    name = credentials.backend_name()
    try:
        credentials.probe(_PROBE)
    except PersonaError as e:
        why = e.message.split("(", 1)[-1].split(")", 1)[0]  # NO_BACKEND's detail
        fix = e.message.split("; ", 1)[-1]
        if why == "the keyring is locked":
            fix = ("unlock it: on a server, restart persona-keyring.service with the keyring's "
                   "password in ~/.config/persona/keyring-password (docs/server.md)")
        report.add("keyring", "keyring", not needed,
                   f"{name}: not usable ({why})" + ("" if needed else "; no X network needs it"),
                   fix if needed else "", backend=name, works=False)
        return False
    report.add("keyring", "keyring", True, f"{name}: works", backend=name, works=True)
    return True


def _personas(report: Report, cfg: Config, engine: Engine | None, keyring_ok: bool) -> None:
    from personas import credentials

    verified = _verified(engine)
    for p in cfg.personas:
        kind = cfg.networks[p.network].kind
        account = f"@{p.handle} on {p.network}"
        data: dict[str, Any] = {"persona": p.name, "account": account, "network": p.network}
        if kind != "x":
            report.add("personas", p.name, True, f"{account}: no login needed",
                       login="not needed", **data)
            continue
        if not keyring_ok:
            report.add("personas", p.name, False, f"{account}: login state unknown (no keyring)",
                       "make the keyring work (above), then run `persona doctor` again",
                       login="unknown", **data)
            continue
        try:
            app, tokens = credentials.get_account(p.network, p.handle)
        except PersonaError as e:
            report.add("personas", p.name, False, f"{account}: {e.message}",
                       "see the keyring's fix above", login="unknown", **data)
            continue
        recorded = verified.get(p.name)
        if app is None:
            report.add("personas", p.name, False, f"{account}: no X app keys for {p.network}",
                       f"run `persona app set {p.network}`", login="no app keys", **data)
        elif tokens is None:
            report.add("personas", p.name, False, f"{account}: not logged in",
                       f"run `persona login {p.name}`", login="missing", **data)
        else:
            at = f", verified as X account {recorded}" if recorded else ""
            report.add("personas", p.name, True, f"{account}: logged in{at}",
                       login="stored", account_id=recorded, **data)


def _verified(engine: Engine | None) -> dict[str, str]:
    if engine is None:
        return {}
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT persona, account_id FROM verified_accounts"))
            return {persona: account for persona, account in rows}
    except Exception:  # noqa: BLE001 (an old schema: none recorded)
        return {}


def _networks(report: Report, cfg: Config) -> None:
    from personas.config import api_base

    for network in cfg.networks.values():
        if network.kind != "x":
            report.add("networks", network.name, True,
                       f"{network.kind}: on this machine, nothing to reach", kind=network.kind)
            continue
        base = api_base(network)
        ok, detail = _reach(base)
        report.add("networks", network.name, ok, f"x at {base}: {detail}",
                   "" if ok else "check this machine's connection and proxy, or api_base in "
                   "accounts.toml", kind="x", api_base=base, reachable=ok)


def _reach(base: str) -> tuple[bool, str]:
    """One request to the API's host: any HTTP answer means it is reachable."""
    import time
    from urllib.parse import urlsplit

    import requests

    parts = urlsplit(base)
    root = f"{parts.scheme}://{parts.netloc}/"
    started = time.monotonic()
    try:
        answer = requests.head(root, timeout=REACH_TIMEOUT, allow_redirects=False)
    except requests.RequestException as e:
        return False, f"unreachable ({type(e).__name__})"
    took = (time.monotonic() - started) * 1000
    return True, f"reachable (HTTP {answer.status_code} in {took:.0f} ms)"


# --- the worker and versions ------------------------------------------------------------------

def _worker(report: Report, cfg: Config | None, engine: Engine | None) -> None:
    if engine is None:
        report.add("worker", "worker", True, "no database to read yet", last_seen=None,
                   items_due=None, jobs_due=None)
        return
    from sqlalchemy import bindparam, text

    from personas import db
    from personas.columns import UTCDateTime
    from personas.models import DUE_AT as _DUE_AT

    now = datetime.now(UTC)
    due = f"WHERE status = 'queued' AND {_DUE_AT} <= :now AND (next_attempt_at IS NULL OR " \
          "next_attempt_at <= :now)"
    at_now = bindparam("now", now, type_=UTCDateTime)  # db.to_db would open (and migrate)
    with engine.connect() as conn:
        try:
            last = db.from_db(conn.execute(text(
                "SELECT max(last_seen_at) FROM worker_runs")).scalar())
        except Exception:  # noqa: BLE001 (a schema before worker_runs)
            conn.rollback()
            last = None
        oldest, count = conn.execute(text(
            f"SELECT min({_DUE_AT}), count(*) FROM items {due}").bindparams(at_now)).one()
        oldest = db.from_db(oldest)
        runs = {(p, j): db.from_db(at) for p, j, at in conn.execute(text(
            "SELECT persona, job, last_run_at FROM job_runs"))}
        held = [i for (i,) in conn.execute(text(
            "SELECT id FROM items WHERE status = 'held' ORDER BY id"))]
    jobs_due = sorted(f"{job} for {name}"
                      for name, jobs in (cfg.jobs.items() if cfg else ())
                      for job, every in jobs.items()
                      if runs.get((name, job)) is None or runs[(name, job)] <= now - every)
    seen = f"last seen {_ago(now - last)}" if last else "never seen on this database"
    detail = (f"{seen}; {count} item{'s' if count != 1 else ''} due"
              f"{', jobs due: ' + ', '.join(jobs_due) if jobs_due else ', no job due'}")
    stuck = oldest is not None and now - oldest > IDLE and (last is None or now - last > IDLE)
    report.add("worker", "worker", not stuck, detail,
               "start `persona worker` (docs/worker.md: a systemd user unit or cron)"
               if stuck else "", last_seen=last.isoformat() if last else None,
               items_due=count, jobs_due=jobs_due)
    ids = " ".join(map(str, held[:20]))
    report.add("held", "held items", not held,
               f"{len(held)} item{'s' if len(held) != 1 else ''} held: queued for an account "
               "its persona no longer posts as" if held else "none",
               f"see `persona queue --status held`; `persona queue retarget {ids}` queues them "
               f"for the persona's account now, `persona queue cancel ID` drops one"
               if held else "", held=held)


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago" if seconds < 172800 else f"{seconds // 86400} days ago"


def _versions(report: Report) -> None:
    import platform
    from importlib import metadata

    found = {}
    for package in ("persona-broadcaster", "tweepy", "keyring", "sqlalchemy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    from personas import __version__

    found = {"persona": found.pop("persona-broadcaster") or __version__, **found}
    found["python"] = platform.python_version()
    report.add("versions", "versions", True,
               ", ".join(f"{k} {v or 'not installed'}" for k, v in found.items()), **found)
