"""accounts.toml -> a validated `Config`; and where persona keeps its files.

Search order for the configuration: `--config PATH`, `$PERSONA_CONFIG`, `./accounts.toml`,
then the config directory (`$PERSONA_HOME` when set, else the platform's). With none of
them, the built-in me / you / we personas on the sandbox network are used.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path

from personas.errors import ConfigError
from router.items import Kind
from router.policy import (
    AUTO_FOLLOW,
    DEFAULT_MAX_LENGTH,
    LINKS,
    MEMBERSHIP,
    PRESETS,
    RECOMMENDATIONS,
    TRAIT_NAMES,
    VISIBILITY,
    Persona,
    Traits,
)

APP = "persona"
NETWORK_KINDS = ("sandbox", "x")
NETWORK_KEYS = {
    "sandbox": {"kind", "rate_limits", "latency"},
    "x": {"kind", "api_base", "upload_base", "timeout"},
}
PERSONA_KEYS = {"network", "handle", "policy", "own_domains", "order", "slots", "jobs",
                "follow", "community", "import"}
TRAIT_KEYS = set(TRAIT_NAMES)
_SECRET = re.compile(r"token|secret|password|passwd|passphrase|api_?key|bearer|consumer_key",
                     re.IGNORECASE)
_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,30}$")
# A name that becomes part of a file name (a network's sandbox database) or a keyring entry:
# no path separator, dot-dot, NUL or anything else a file system reads its own way.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_NAME_FIX = "use 1-32 lower-case letters, digits, - or _, starting with a letter or digit"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# C0 controls but tab, newline and carriage return, DEL, and C1: nothing in this file needs
# them; a NUL ends a path or a C string early, the rest reach terminals and messages
_CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
MAX_DEPTH = 8  # the deepest real key is personas.NAME.community.weights.SIGNAL
MAX_INTERVAL = timedelta(days=366)
MAX_CALLS = 1_000_000  # a rate limit's calls per window
MAX_COUNT = 1_000_000_000  # a threshold of likes or reposts
MAX_WEIGHT = 1000.0  # a realness signal's weight: more would overflow the sum to inf
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


# --- where files live ----------------------------------------------------------------------

def home() -> Path | None:
    value = os.environ.get("PERSONA_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    if (h := home()) is not None:
        return h
    from platformdirs import user_config_path

    return user_config_path(APP)


def data_dir() -> Path:
    if (h := home()) is not None:
        return h
    from platformdirs import user_data_path

    return user_data_path(APP)


def default_config_path() -> Path:
    return config_dir() / "accounts.toml"


# --- the configuration ---------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkConfig:
    name: str
    kind: str
    options: dict[str, object] = field(default_factory=dict)


# The X API's address: what tweepy addresses and signs for, and where `api_base` points
# elsewhere (the loopback front of `persona sandbox serve`).
X_API = "https://api.twitter.com"


def api_base(network: NetworkConfig) -> str:
    """Where an X network's requests go: its `api_base`, else X's API."""
    return str(network.options.get("api_base") or X_API).rstrip("/")


def account_key(network: NetworkConfig, handle: str) -> str:
    """Which account on which service a persona posts as, in one string an outbox item
    keeps: `x:https://api.twitter.com/@jesse`, `sandbox:sandbox/@jesse`. A different
    service (another `api_base`: the loopback front or X) or handle is a different account;
    renaming the network in accounts.toml is not. Each sandbox network is a world of its
    own, named by its network."""
    if network.kind == "sandbox":
        where = f"sandbox:{network.name}"
    elif network.kind == "x":
        where = f"x:{api_base(network)}"
    else:
        where = f"{network.kind}:{network.name}"
    return f"{where}/@{handle.lower()}"


@dataclass(frozen=True)
class Config:
    path: Path | None  # None: the built-in sandbox setup
    networks: dict[str, NetworkConfig]
    personas: tuple[Persona, ...]
    slots: dict[str, tuple[time, ...]] = field(default_factory=dict)  # daily posting times
    jobs: dict[str, dict[str, timedelta]] = field(default_factory=dict)  # what the worker runs
    follow: dict[str, FollowSettings] = field(default_factory=dict)  # [personas.NAME.follow]
    # [personas.NAME.community]: every private persona has one, defaults where not given
    community: dict[str, CommunitySettings] = field(default_factory=dict)
    imports: dict[str, ImportSettings] = field(default_factory=dict)  # [personas.NAME.import]

    @property
    def builtin(self) -> bool:
        return self.path is None

    def names(self) -> list[str]:
        return [p.name for p in self.personas]

    def persona(self, name: str) -> Persona:
        for p in self.personas:
            if p.name == name:
                return p
        from personas.errors import NotFound

        raise NotFound(
            f"no persona named {name!r}; configured: {', '.join(self.names())} "
            "(see `persona accounts`)"
        )


BUILTIN_NOTICE = (
    "no accounts.toml found: using the built-in me / you / we personas on the sandbox "
    "network (run `persona init` to write your own)"
)


def example_text(sandbox: bool = False) -> str:
    name = "accounts.sandbox.toml" if sandbox else "accounts.toml.example"
    # Beside this module, not through importlib.resources: that costs start-up time.
    return Path(__file__).with_name(name).read_text(encoding="utf-8")


def find_config(explicit: Path | None = None) -> Path | None:
    """The accounts.toml to use, or None for the built-in setup."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such file; check --config, or run `persona init`")
        return explicit
    if env := os.environ.get("PERSONA_CONFIG"):
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"{path}: no such file (from $PERSONA_CONFIG); fix or unset PERSONA_CONFIG"
            )
        return path
    for path in (Path("accounts.toml"), default_config_path()):
        if path.is_file():
            return path
    return None


def load(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return parse(example_text(sandbox=True), None)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror}); check its permissions") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    return parse(text, path)


# --- validation ----------------------------------------------------------------------------

class _Checker:
    """Validates one file's parsed TOML, naming file, line and key path in every error."""

    def __init__(self, text: str, path: Path | None) -> None:
        self.text, self.path = text, path
        self.label = str(path) if path else "built-in accounts.toml"

    def fail(self, keypath: tuple[str, ...], problem: str, fix: str) -> ConfigError:
        line = _line_of(self.text, keypath)
        where = f"{self.label}:{line}" if line else self.label
        return ConfigError(f"{where}: {_dotted(keypath)}: {problem}; {fix}")

    def sound(self, doc: dict[str, object]) -> None:
        """What no key may hold, checked over the whole file before any key is read: nesting
        deeper than any real key (code that walks it would recurse without end), a control
        character in a key or a string, and a number that is not finite (nan, inf)."""
        from collections import deque

        # breadth first: the shallowest problem is named first (a network's name before a
        # persona's reference to it)
        stack: deque[tuple[object, tuple[str, ...]]] = deque([(doc, ())])
        while stack:
            value, keypath = stack.popleft()
            if len(keypath) > MAX_DEPTH:
                raise self.fail(keypath[:MAX_DEPTH + 1], f"nested more than {MAX_DEPTH} deep",
                                "no key of accounts.toml is that deep: flatten it")
            if isinstance(value, dict):
                for key, sub in value.items():
                    if _CONTROL.search(key) or not key.strip():
                        raise self.fail(keypath + (key,), "a key that is empty or holds a "
                                        "control character", "rename it with printable "
                                        "characters")
                    stack.append((sub, keypath + (key,)))
            elif isinstance(value, list):
                stack.extend((sub, keypath + (f"[{i}]",)) for i, sub in enumerate(value))
            elif isinstance(value, str) and (m := _CONTROL.search(value)):
                raise self.fail(keypath, f"holds the control character U+{ord(m.group()):04X} "
                                f"at position {m.start()}", "remove it (newlines and tabs "
                                "are fine)")
            elif isinstance(value, float) and not math.isfinite(value):
                raise self.fail(keypath, f"{value} is not a number persona can use",
                                "give a finite number")

    def table(self, value: object, keypath: tuple[str, ...]) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(keypath, f"expected a table, got {_type(value)}",
                            f"write it as [{'.'.join(keypath)}]")
        return value

    def no_secrets(self, value: object, keypath: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                # a table's name is the user's own (a persona "secretary"); values are not
                if _SECRET.search(key) and not isinstance(sub, dict):
                    in_persona = keypath[:1] == ("personas",) and len(keypath) > 1
                    persona = keypath[1] if in_persona else "NAME"
                    raise self.fail(
                        keypath + (key,),
                        "looks like a secret, and secrets never go in this file",
                        f"delete it and run `persona login {persona}` to keep it in the OS keyring",
                    )
                self.no_secrets(sub, keypath + (key,))

    def unknown(self, table: dict[str, object], allowed: set[str],
                keypath: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(keypath + (key,), "unknown key",
                                f"remove it or use one of: {', '.join(sorted(allowed))}")

    def typed(self, table: dict[str, object], key: str, kind: type | tuple[type, ...],
              keypath: tuple[str, ...], what: str) -> object:
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(keypath + (key,), f"expected {what}, got {_type(value)}",
                            f"set it to {what}")
        return value

    def choice(self, table: dict[str, object], key: str, choices: tuple[str, ...],
               keypath: tuple[str, ...]) -> str:
        value = self.typed(table, key, str, keypath, "a string")
        if value not in choices:
            raise self.fail(keypath + (key,), f"unknown value {value!r}",
                            f"use one of: {', '.join(choices)}")
        return value  # type: ignore[return-value]

    def interval(self, table: dict[str, object], key: str, keypath: tuple[str, ...],
                 fix: str) -> timedelta:
        """A duration like "30m", "6h" or "1d", at most a year, or the error naming `fix`."""
        from personas.when import parse_interval

        value = table[key]
        try:
            if isinstance(value, str):
                interval = parse_interval(value)
                if interval > MAX_INTERVAL:
                    raise self.fail(keypath + (key,), f"{value[:40]!r} is longer than a year",
                                    f"{fix}, at most 366d")
                return interval
        except ValueError:
            pass
        raise self.fail(keypath + (key,), f"not an interval: {_shown(value)}", fix)

    def number(self, table: dict[str, object], key: str, keypath: tuple[str, ...],
               low: float, high: float, what: str, *, above_low: bool = False) -> float:
        """A finite number from `low` to `high` (above `low` when `above_low`)."""
        value = self.typed(table, key, (int, float), keypath, what)
        if isinstance(value, bool) or not math.isfinite(value) \
                or not (low < value if above_low else low <= value) or value > high:  # type: ignore[operator]
            raise self.fail(keypath + (key,), f"out of range: {value}", f"give {what}")
        return float(value)  # type: ignore[arg-type]

    def fraction(self, table: dict[str, object], key: str, keypath: tuple[str, ...],
                 fix: str) -> float:
        """A number from 0 to 1, or the error naming `fix`."""
        value = self.typed(table, key, (int, float), keypath, "a number from 0 to 1")
        if isinstance(value, bool) or not 0 <= value <= 1:  # type: ignore[operator]
            raise self.fail(keypath + (key,), f"out of range: {value}", fix)
        return float(value)  # type: ignore[arg-type]

    def strings(self, table: dict[str, object], key: str, keypath: tuple[str, ...]) -> list[str]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(keypath + (key,), f"expected a list of strings, got {_type(value)}",
                            f'write it like {key} = ["a", "b"]')
        return value


def parse(text: str, path: Path | None) -> Config:
    c = _Checker(text, path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{c.label}: invalid TOML: {e}; fix the syntax there") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        line = _deepest_line(text)
        key = re.match(r"\s*([^=\[\]{}]+?)\s*=", text.splitlines()[line - 1]) if line else None
        raise ConfigError(f"{c.label}{f':{line}' if line else ''}: "
                          f"{_dotted(_key_parts(key.group(1))) + ': ' if key else ''}arrays or "
                          "inline tables nested hundreds deep; no key of accounts.toml is: "
                          "flatten them") from None
    c.sound(doc)
    c.no_secrets(doc, ())
    c.unknown(doc, {"networks", "personas"}, ())
    networks = _networks(c, c.table(doc.get("networks", {}), ("networks",)))
    raw_personas = c.table(doc.get("personas", {}), ("personas",))
    if not raw_personas:
        raise c.fail(("personas",), "no personas", "add at least one [personas.NAME] table")
    personas = [_persona(c, name, value, networks, i)
                for i, (name, value) in enumerate(raw_personas.items())]
    personas.sort(key=lambda pair: pair[0])
    ordered = tuple(p for _, p in personas)
    _check_handles(c, ordered)
    _check_imports(c, ordered)
    return Config(path, networks, ordered, _slots(c, raw_personas), _jobs(c, raw_personas, ordered),
                  _follow_settings(c, raw_personas),
                  _community_settings(c, raw_personas, ordered),
                  _import_settings(c, raw_personas, ordered))


def _networks(c: _Checker, raw: dict[str, object]) -> dict[str, NetworkConfig]:
    out = {}
    for name, value in raw.items():
        keypath = ("networks", name)
        if not _NAME.match(name):  # it names the network's files: sandbox-NAME.db
            raise c.fail(keypath, "bad network name", _NAME_FIX)
        table = c.table(value, keypath)
        if "kind" not in table:
            raise c.fail(keypath, "has no kind", 'add kind = "sandbox" or kind = "x"')
        kind = c.choice(table, "kind", NETWORK_KINDS, keypath)
        c.unknown(table, NETWORK_KEYS[kind], keypath)
        for key in ("api_base", "upload_base"):
            if key in table:
                base = c.typed(table, key, str, keypath, "a URL")
                if not re.match(r"^https?://[^\s/]+", base):  # type: ignore[arg-type]
                    raise c.fail(keypath + (key,), f"not an http(s) URL: {base!r}",
                                 'write it like "http://127.0.0.1:8787"')
        if "timeout" in table:
            c.number(table, "timeout", keypath, 0, 600, "a number of seconds above 0, up to "
                     "600", above_low=True)
        if "latency" in table:
            c.number(table, "latency", keypath, 0, 60, "a number of seconds from 0 to 60")
        if "rate_limits" in table:
            _rate_limits(c, table["rate_limits"], keypath + ("rate_limits",))
        out[name] = NetworkConfig(name, kind, {k: v for k, v in table.items() if k != "kind"})
    return out


def _rate_limits(c: _Checker, value: object, keypath: tuple[str, ...]) -> None:
    if value in ("x", "off"):
        return
    if not isinstance(value, dict):
        raise c.fail(keypath, "unknown value",
                     'use "off", "x" (X\'s documented limits) or a table of limits')
    for endpoint, limit in value.items():
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_CALLS:
            got = _shown(limit) if isinstance(limit, int) else _type(limit)
            raise c.fail(keypath + (endpoint,), f"expected a positive integer, got {got}",
                         f"give calls per 15 minutes, up to {MAX_CALLS}, like "
                         "{ create_post = 100 }")


def _persona(c: _Checker, name: str, value: object, networks: dict[str, NetworkConfig],
             position: int) -> tuple[tuple[int, int], Persona]:
    keypath = ("personas", name)
    if not _NAME.match(name):
        raise c.fail(keypath, "bad persona name", _NAME_FIX)
    table = c.table(value, keypath)
    c.unknown(table, PERSONA_KEYS | TRAIT_KEYS, keypath)
    for key in ("network", "handle"):
        if key not in table:
            raise c.fail(keypath, f"has no {key}", f"add {key} = \"...\" to [personas.{name}]")
    network = c.typed(table, "network", str, keypath, "a network name")
    if network not in networks:
        known = ", ".join(networks) or "none"
        raise c.fail(keypath + ("network",), f"unknown network {network!r} (configured: {known})",
                     f"add a [networks.{network}] table or name a configured one")
    handle = c.typed(table, "handle", str, keypath, "a handle")
    if not _HANDLE.match(handle):  # type: ignore[arg-type]
        raise c.fail(keypath + ("handle",), f"not a valid handle: {handle!r}",
                     "use letters, digits and _ only, as on the network")
    handle = handle.lstrip("@")  # type: ignore[union-attr]
    policy = "custom"
    traits = Traits()
    if "policy" in table:
        policy = c.choice(table, "policy", tuple(PRESETS), keypath)
        traits = PRESETS[policy]
    elif not TRAIT_KEYS & table.keys():
        raise c.fail(keypath, "has no policy",
                     f"add policy = one of {', '.join(PRESETS)}, or set its traits")
    traits = traits.override(**_traits(c, table, keypath))
    domains: list[str] = []
    if "own_domains" in table:
        domains = [d.lower().rstrip(".") for d in c.strings(table, "own_domains", keypath)]
        for d in domains:
            if not _DOMAIN.match(d):
                raise c.fail(keypath + ("own_domains",), f"not a domain name: {d!r}",
                             'write bare domains like "example.com"')
    limit = DEFAULT_MAX_LENGTH[networks[network].kind]  # type: ignore[index]
    if traits.max_length is not None and traits.max_length > limit:
        raise c.fail(keypath + ("max_length",), f"{traits.max_length} is more than the "
                     f"network allows", f"set at most {limit}: a policy can be stricter than "
                     "the network, not looser")
    order = position
    if "order" in table:
        order = c.typed(table, "order", int, keypath, "an integer")  # type: ignore[assignment]
    persona = Persona(name=name, network=network, network_kind=networks[network].kind,  # type: ignore[arg-type]
                      handle=handle, traits=traits, own_domains=frozenset(domains), policy=policy,
                      account=account_key(networks[network], handle))  # type: ignore[arg-type]
    return (order, position), persona


def _traits(c: _Checker, table: dict[str, object], keypath: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, choices in (("links", LINKS), ("visibility", VISIBILITY),
                         ("auto_follow", AUTO_FOLLOW), ("membership", MEMBERSHIP),
                         ("recommendations", RECOMMENDATIONS)):
        if key in table:
            out[key] = c.choice(table, key, choices, keypath)
    for key in ("replies", "require_introduction"):
        if key in table:
            out[key] = c.typed(table, key, bool, keypath, "true or false")
    if "accepts" in table:
        kinds = c.strings(table, "accepts", keypath)
        valid = tuple(k.value for k in Kind)
        if not kinds:
            raise c.fail(keypath + ("accepts",), "takes no kind of item",
                         f"list at least one of: {', '.join(valid)}")
        for k in kinds:
            if k not in valid:
                raise c.fail(keypath + ("accepts",), f"unknown kind {k!r}",
                             f"use kinds from: {', '.join(valid)}")
        out["accepts"] = frozenset(Kind(k) for k in kinds)
    if "import_from" in table:
        out["import_from"] = tuple(c.strings(table, "import_from", keypath))
    if "max_length" in table:
        n = c.typed(table, "max_length", int, keypath, "a positive integer")
        if n <= 0:  # type: ignore[operator]
            raise c.fail(keypath + ("max_length",), f"must be positive, got {n}",
                         "set it to a positive number of weighted characters")
        out["max_length"] = n
    return out


def _slots(c: _Checker, raw: dict[str, object]) -> dict[str, tuple[time, ...]]:
    from personas.when import parse_slot

    out = {}
    for name, table in raw.items():
        if isinstance(table, dict) and "slots" in table:
            keypath = ("personas", name)
            values = c.strings(table, "slots", keypath)
            try:
                out[name] = tuple(sorted({parse_slot(v) for v in values}))
            except ValueError as e:
                raise c.fail(keypath + ("slots",), str(e),
                             'write daily times like slots = ["09:00", "17:30"]') from None
    return out


# The worker's periodic jobs, by the names [personas.NAME.jobs] gives them: personas.jobs
# runs each (its JOBS has these keys), and the configuration names them without loading it.
JOB_NAMES = ("metrics", "follow", "community", "import")


def _jobs(c: _Checker, raw: dict[str, object],
          personas: tuple[Persona, ...]) -> dict[str, dict[str, timedelta]]:
    by_name = {p.name: p for p in personas}
    out: dict[str, dict[str, timedelta]] = {}
    for name, table in raw.items():
        if not isinstance(table, dict) or "jobs" not in table:
            continue
        keypath = ("personas", name, "jobs")
        jobs = c.table(table["jobs"], keypath)
        c.unknown(jobs, set(JOB_NAMES), keypath)
        out[name] = {}
        for job in jobs:
            out[name][job] = c.interval(jobs, job, keypath, 'say how often, like "30m", "6h" '
                                        'or "1d"')
            _job_applies(c, job, by_name[name], personas)
    return out


def _job_applies(c: _Checker, job: str, persona: Persona,
                 personas: tuple[Persona, ...]) -> None:
    """The community's jobs run on a private persona only (and importing needs sources)."""
    keypath = ("personas", persona.name, "jobs", job)
    if job == "community" and not persona.private:
        private = ", ".join(p.name for p in personas if p.private) or "none configured"
        raise c.fail(keypath, "a public persona has no community to sync",
                     f"move it to a private persona's jobs (private: {private})")
    if job == "import" and not (persona.private and persona.traits.import_from):
        raise c.fail(keypath, "only a private persona with import_from carries posts in",
                     "move it to the private persona's jobs")


def _check_handles(c: _Checker, personas: tuple[Persona, ...]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for p in personas:
        key = (p.network, p.handle.lower())
        if key in seen:
            raise c.fail(("personas", p.name, "handle"),
                         f"@{p.handle} on {p.network} is also persona {seen[key]!r}",
                         "give each persona its own account")
        seen[key] = p.name


def _check_imports(c: _Checker, personas: tuple[Persona, ...]) -> None:
    by_name = {p.name: p for p in personas}
    for p in personas:
        for source in p.traits.import_from:
            if source not in by_name:
                raise c.fail(("personas", p.name, "import_from"), f"unknown persona {source!r}",
                             f"name configured personas: {', '.join(by_name)}")
            if source == p.name:
                raise c.fail(("personas", p.name, "import_from"), "a persona cannot import itself",
                             "remove it from the list")
            if by_name[source].network != p.network:
                raise c.fail(("personas", p.name, "import_from"),
                             f"persona {source!r} is on network {by_name[source].network!r}, "
                             f"{p.name!r} on {p.network!r}",
                             "posts are carried in as reposts or quotes, within one network: "
                             "name personas of the same network")
            if by_name[source].private and not p.private:
                raise c.fail(("personas", p.name, "import_from"),
                             f"public persona would carry in posts of private persona {source!r}",
                             "private content never goes to a public persona: remove it")


def _dotted(keypath: tuple[str, ...]) -> str:
    """A key path as TOML writes it: a key that is not bare is quoted, with escapes, so an
    odd name (a dot, a slash, a NUL) shows as what it is, in one line."""
    out = ""
    for k in keypath:
        if k.startswith("[") and out:  # a list's item: key[0]
            out += k
        else:
            shown = k if _BARE_KEY.match(k) else json.dumps(k if len(k) <= 40 else k[:37] + "...")
            out += ("." if out else "") + shown
    return out


def _shown(value: object) -> str:
    """A value for a message: short, in one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _deepest_line(text: str) -> int | None:
    """The line where brackets and braces open deepest, outside strings and comments, as
    far as a character scan can tell."""
    depth, deepest, line, at, quote = 0, 0, 1, None, ""
    for i, ch in enumerate(text):
        if ch == "\n":
            line, quote = line + 1, ""  # a string or comment ends with its line
        elif quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            quote = "\n"  # a comment: skipped to the end of the line
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif ch in "]}":
            depth = max(0, depth - 1)
    return at


def _type(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _key_parts(dotted: str) -> tuple[str, ...]:
    """`a."b.c".'d'` -> ("a", "b.c", "d"): a dotted TOML key, quoted parts unquoted."""
    parts = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^.\s"\']+', dotted)
    out = []
    for part in parts:
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        out.append(part)
    return tuple(out)


def _line_of(text: str, keypath: tuple[str, ...]) -> int | None:
    """The 1-based line where `keypath` is defined, as far as a line scan can tell."""
    if not keypath:
        return None
    keypath = tuple(k for k in keypath if not k.startswith("["))  # a list's item: its key's line
    table: tuple[str, ...] = ()
    header = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
    assign = re.compile(r"^\s*((?:[A-Za-z0-9_\-.\s]|\"(?:[^\"\\]|\\.)*\"|'[^']*')+?)\s*=")
    fallback = None
    for number, line in enumerate(text.splitlines(), 1):
        if m := header.match(line):
            table = _key_parts(m.group(1))
            if table == keypath or (fallback is None and table[:len(keypath)] == keypath):
                fallback = number  # the table, or the first table inside it
            continue
        if m := assign.match(line):
            key = _key_parts(m.group(1))
            if table + key == keypath:
                return number
            if fallback is None and table + key == keypath[: len(table + key)]:
                fallback = number
    return fallback


# --- following: [personas.NAME.follow] ----------------------------------------------------

FOLLOW_KEYS = {"blocklist", "block_keywords", "min_realness", "auto_unfollow"}


@dataclass(frozen=True)
class FollowSettings:
    """Who a follow-back sweep skips, and whether it unfollows (docs/following.md)."""

    blocklist: frozenset[str] = frozenset()  # handles, lower case, without @
    block_keywords: tuple[str, ...] = ()  # lower case, matched in bios
    min_realness: float = 0.5  # personas.realness.MIN_REALNESS
    auto_unfollow: bool = False


def _persona_tables(raw: dict[str, object], key: str,
                    ) -> Iterator[tuple[str, object, tuple[str, ...]]]:
    """(persona name, value, key path) of each [personas.NAME.key] table in the file."""
    for name, value in raw.items():
        if isinstance(value, dict) and key in value:
            yield name, value[key], ("personas", name, key)


def _follow_settings(c: _Checker, raw: dict[str, object]) -> dict[str, FollowSettings]:
    out = {}
    for name, table, keypath in _persona_tables(raw, "follow"):
        table = c.table(table, keypath)
        c.unknown(table, FOLLOW_KEYS, keypath)
        settings = FollowSettings()
        if "blocklist" in table:
            handles = c.strings(table, "blocklist", keypath)
            for h in handles:
                if not _HANDLE.match(h):
                    raise c.fail(keypath + ("blocklist",), f"not a valid handle: {h!r}",
                                 "use letters, digits and _ only, as on the network")
            settings = replace(settings, blocklist=frozenset(h.lstrip("@").lower()
                                                             for h in handles))
        if "block_keywords" in table:
            words = [w.strip().lower() for w in c.strings(table, "block_keywords", keypath)]
            if not all(words):
                raise c.fail(keypath + ("block_keywords",), "has an empty keyword",
                             "remove it: an empty keyword would match every bio")
            settings = replace(settings, block_keywords=tuple(words))
        if "min_realness" in table:
            settings = replace(settings, min_realness=c.fraction(
                table, "min_realness", keypath, "give a number from 0 (follow anyone) to 1"))
        if "auto_unfollow" in table:
            settings = replace(settings, auto_unfollow=bool(
                c.typed(table, "auto_unfollow", bool, keypath, "true or false")))
        out[name] = settings
    return out


# --- the private community: [personas.NAME.community] ---------------------------------------

COMMUNITY_KEYS = {"join_phrases", "welcome", "welcome_introduced", "reminder", "remind_every",
                  "max_reminders", "min_realness", "weights", "lookback"}
MAX_REMINDERS_CAP = 10  # beyond a few, reminders are pestering
PLACEHOLDERS = ("handle", "name", "persona")
TEMPLATE_MAX = 10_000  # X's longest direct message
TEMPLATE_FIELD_MAX = 50  # a display name's longest on X; handles are shorter


@dataclass(frozen=True)
class CommunitySettings:
    """How a private persona takes join requests and greets members (docs/community.md)."""

    join_phrases: tuple[str, ...] = ("join",)  # lower case, matched as whole words
    welcome: str = ("Welcome to @{persona}, {name}! Please introduce yourself: reply here "
                    "with a few words about who you are and what brings you.")
    welcome_introduced: str = "Welcome to @{persona}, {name}! Thanks for introducing yourself."
    reminder: str = ("Hi {name}, glad you're in @{persona}. We'd love to hear who you are: "
                     "reply here with a short introduction.")
    remind_every: timedelta = timedelta(days=7)
    max_reminders: int = 2  # per member; 0 sends none
    # how far back the first sync reads messages and mentions (later ones go on from the
    # newest read): old "join" messages are not requests, and X's DM reads are scarce
    lookback: timedelta = timedelta(days=7)
    min_realness: float = 0.5
    weights: tuple[tuple[str, float], ...] = ()  # () means realness.REQUEST_WEIGHTS

    def weight_map(self) -> dict[str, float]:
        from personas.realness import REQUEST_WEIGHTS

        return dict(self.weights) if self.weights else dict(REQUEST_WEIGHTS)


def _community_settings(c: _Checker, raw: dict[str, object],
                        personas: tuple[Persona, ...]) -> dict[str, CommunitySettings]:
    out = {p.name: CommunitySettings() for p in personas if p.private}
    for name, table, keypath in _persona_tables(raw, "community"):
        if name not in out:
            raise c.fail(keypath, "a public persona has no community to join",
                         f'remove the table, or set visibility = "private" on [personas.{name}]')
        table = c.table(table, keypath)
        c.unknown(table, COMMUNITY_KEYS, keypath)
        out[name] = _community(c, table, keypath)
    return out


def _community(c: _Checker, table: dict[str, object],
               keypath: tuple[str, ...]) -> CommunitySettings:
    settings = CommunitySettings()
    if "join_phrases" in table:
        phrases = [" ".join(v.split()).lower() for v in c.strings(table, "join_phrases", keypath)]
        if not phrases or not all(phrases):
            raise c.fail(keypath + ("join_phrases",), "needs at least one non-empty phrase",
                         'write it like join_phrases = ["join", "let me in"]')
        settings = replace(settings, join_phrases=tuple(phrases))
    for key in ("welcome", "welcome_introduced", "reminder"):
        if key in table:
            text = c.typed(table, key, str, keypath, "a message template")
            _template(c, text, keypath + (key,))  # type: ignore[arg-type]
            settings = replace(settings, **{key: text})
    for key, how in (("remind_every", "how often"), ("lookback", "how far back")):
        if key in table:
            settings = replace(settings, **{key: c.interval(
                table, key, keypath, f'say {how}, like "3d", "1w" or "12h"')})
    if "max_reminders" in table:
        fix = f"give a whole number from 0 (no reminders) to {MAX_REMINDERS_CAP}"
        n = c.typed(table, "max_reminders", int, keypath, "a whole number")
        if not 0 <= n <= MAX_REMINDERS_CAP:  # type: ignore[operator]
            raise c.fail(keypath + ("max_reminders",), f"out of range: {n}", fix)
        settings = replace(settings, max_reminders=n)  # type: ignore[arg-type]
    if "min_realness" in table:
        settings = replace(settings, min_realness=c.fraction(
            table, "min_realness", keypath, "give a number from 0 (anyone looks real) to 1"))
    if "weights" in table:
        from personas.realness import SIGNALS

        weights = c.table(table["weights"], keypath + ("weights",))
        c.unknown(weights, set(SIGNALS), keypath + ("weights",))
        pairs = []
        for key, w in weights.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) \
                    or not 0 <= w <= MAX_WEIGHT:
                raise c.fail(keypath + ("weights", key),
                             f"expected a number from 0 to {MAX_WEIGHT:g}, got {_shown(w)}",
                             "give each signal a weight like 0.25 (0 ignores it)")
            pairs.append((key, float(w)))
        if not any(w for _, w in pairs):
            raise c.fail(keypath + ("weights",), "every weight is 0",
                         "give at least one signal a weight above 0")
        settings = replace(settings, weights=tuple(pairs))
    return settings


def _template(c: _Checker, text: str, keypath: tuple[str, ...]) -> None:
    import string

    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text)
                  if f is not None]
    except ValueError as e:
        raise c.fail(keypath, f"not a valid template ({e})",
                     "write placeholders as {handle}, {name} or {persona}; double {{ }} "
                     "for a literal brace") from None
    use = f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
    for name, spec, conversion in fields:
        if name in PLACEHOLDERS and (spec or conversion):
            # a format spec or a conversion: {name:>99999999} would fill memory
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise c.fail(keypath, f"placeholder {{{shown}}} is not allowed",
                         f"{use}, plain: no format spec or conversion")
        if name not in PLACEHOLDERS:
            if re.match(r"^(handle|name|persona)[.\[]", name):  # {handle.__class__}, {name[0]}
                raise c.fail(keypath, f"placeholder {{{name}}} is not allowed",
                             f"{use}, plain: no attributes or indexes")
            raise c.fail(keypath, f"unknown placeholder {{{name}}}", use)
    if not text.strip():
        raise c.fail(keypath, "is empty", "write the message to send")
    longest = len(text.format(**{p: "x" * TEMPLATE_FIELD_MAX for p in PLACEHOLDERS}))
    if longest > TEMPLATE_MAX:
        raise c.fail(keypath, f"too long: up to {longest} characters once filled in",
                     f"keep it within {TEMPLATE_MAX} characters (X's limit for a direct "
                     f"message), counting {TEMPLATE_FIELD_MAX} for each placeholder")


# --- carrying posts in: [personas.NAME.import] -------------------------------------------

IMPORT_KEYS = {"min_likes", "min_reposts", "carry_as", "quote", "days"}
CARRY_AS = ("repost", "quote")


@dataclass(frozen=True)
class ImportSettings:
    """Which posts of the `import_from` personas are the best, and how they are carried
    in (docs/community.md). A post is the best when it reaches either threshold, or is
    starred by hand; 0 turns a threshold off."""

    min_likes: int = 10
    min_reposts: int = 3
    carry_as: str = "repost"  # repost | quote: never an identical copy
    quote: str = "From @{handle}:"  # the quote's own words, before the post's link
    days: int = 30  # how far back the network is read for candidates


def _import_settings(c: _Checker, raw: dict[str, object],
                     personas: tuple[Persona, ...]) -> dict[str, ImportSettings]:
    by_name = {p.name: p for p in personas}
    out = {}
    for name, table, keypath in _persona_tables(raw, "import"):
        table = c.table(table, keypath)
        c.unknown(table, IMPORT_KEYS, keypath)
        if not by_name[name].private:
            raise c.fail(keypath, "a public persona carries nothing in",
                         "posts are carried into a private persona: move the table there")
        if not by_name[name].traits.import_from:
            raise c.fail(keypath, "no import_from to carry posts from",
                         f"add import_from = [...] to [personas.{name}], or remove this table")
        settings = ImportSettings()
        for key, high in (("min_likes", None), ("min_reposts", None), ("days", 3650)):
            if key in table:
                v = c.typed(table, key, int, keypath, "a whole number")
                if isinstance(v, bool) or v < 0 or (high is not None and not 1 <= v <= high) \
                        or v > MAX_COUNT:  # type: ignore[operator]
                    fix = (f"give a number of days from 1 to {high}" if high
                           else f"give 0 (off) or a positive number up to {MAX_COUNT}")
                    raise c.fail(keypath + (key,), f"out of range: {_shown(v)}", fix)
                settings = replace(settings, **{key: v})
        if "carry_as" in table:
            settings = replace(settings, carry_as=c.choice(table, "carry_as", CARRY_AS, keypath))
        if "quote" in table:
            words = c.typed(table, "quote", str, keypath, "a string")
            _quote_template(c, str(words), keypath + ("quote",))
            if not str(words).strip():
                raise c.fail(keypath + ("quote",), "is empty", "a quote needs words of its "
                             'own: give some, or carry_as = "repost"')
            settings = replace(settings, quote=str(words).strip())
        out[name] = settings
    return out


def _quote_template(c: _Checker, text: str, keypath: tuple[str, ...]) -> None:
    """Only a plain {handle}: no attribute, index, conversion or format spec."""
    import string

    fix = "use {handle} (whose post it is) and nothing else in braces; {{ and }} for braces"
    try:
        fields = [(f, conv, spec) for _, f, spec, conv in string.Formatter().parse(text)
                  if f is not None]
    except ValueError as e:
        raise c.fail(keypath, f"bad placeholder ({e})", fix) from None
    for name, conversion, spec in fields:
        if name != "handle" or conversion or spec:
            raise c.fail(keypath, f"bad placeholder {{{name}}}", fix)
    if len(text) > 200:
        raise c.fail(keypath, f"is {len(text)} characters", "keep a quote's words short: "
                     "at most 200 characters, the post's link follows them")
