"""Errors a user can cause or meet, each with a one-line message that names the fix.

The CLI prints `persona: <message>` and exits with `exit_code`; nothing else turns into a
traceback. The exit codes are README.md's: 2 for a refusal or bad input (nothing stored or
sent), 1 when something persona depends on failed (the network, the database, the disk:
what was accepted is kept), 130 when interrupted.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # Not the input: something persona depends on failed (the network, the database, the
    # disk, the keyring). What was accepted is kept, an item in the outbox; the same command
    # goes on from there once that works again.
    FAILED = 1
    # Bad input, or a policy that does not take the item: nothing was stored or sent.
    REFUSED = 2
    INTERRUPTED = 130  # Ctrl-C (SIGINT), as a shell reports it


class PersonaError(Exception):
    exit_code: ExitCode = ExitCode.REFUSED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(PersonaError):
    """The command line or its input is wrong; nothing was stored."""


class ConfigError(PersonaError):
    """accounts.toml is missing, broken or invalid."""


class NotFound(PersonaError):
    """A persona, post or queue item that does not exist."""


class StorageError(PersonaError):
    """The database cannot be reached or is not in a usable state."""

    exit_code = ExitCode.FAILED


class WriteFailed(PersonaError):
    """A file or stdout could not be written (a full disk, no permission); a file is left as
    it was, never half written."""

    exit_code = ExitCode.FAILED


class NetworkError(PersonaError):
    """The network failed or refused; whatever was accepted stays in the outbox."""

    exit_code = ExitCode.FAILED


class Transient(NetworkError):
    """Worth retrying later: a timeout, a reset, a 5xx. `unsure`: the request may have
    reached the network and been done (no answer came, or a 5xx after sending), so a
    create is looked for on the network before it is sent again."""

    def __init__(self, message: str, *, unsure: bool = False) -> None:
        super().__init__(message)
        self.unsure = unsure


class RateLimited(Transient):
    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)  # refused before anything was done: never unsure
        self.reset_at = reset_at


class RemoteRefused(NetworkError):
    """The network refused the item for good (too long, unknown target, ...)."""


class AccessLimited(RemoteRefused):
    """The app's access level on the network does not include this endpoint (X's 453)."""


class Duplicate(RemoteRefused):
    """The network already has this text from this account."""


class CredentialsRejected(NetworkError):
    """The network does not accept the persona's credentials, or they are missing or belong
    to another account; the item stays queued until `persona login NAME`."""


class Held(PersonaError):
    """An item bound for an account its persona no longer posts as: it waits for
    `persona queue retarget` or `persona queue cancel`, and goes nowhere meanwhile."""


class Interrupted(PersonaError):
    """Ctrl-C while a post was out: it may have gone, and the outbox knows to check."""

    exit_code = ExitCode.INTERRUPTED
