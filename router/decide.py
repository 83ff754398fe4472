"""`decide()`: which persona takes an item, with every persona's reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from router.items import Item, Kind
from router.policy import Persona, judge


class UnknownPersona(ValueError):
    """`--as NAME` named a persona that is not configured."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name, self.known = name, tuple(known)
        super().__init__(
            f"no persona named {name!r}; configured: {', '.join(known) or 'none'}"
        )


@dataclass(frozen=True)
class Decision:
    kind: Kind
    persona: str | None  # None: refused by every persona asked
    reasons: dict[str, str]  # persona -> why it takes or refuses the item, in config order
    weighted_length: int | None = None

    @property
    def refused(self) -> bool:
        return self.persona is None

    def summary(self) -> str:
        """One line: where the item goes and why, or why nobody takes it."""
        if self.persona is not None:
            return f"{self.kind.value} -> {self.persona}: {self.reasons[self.persona]}"
        why = "; ".join(f"{name}: {reason}" for name, reason in self.reasons.items())
        return f"{self.kind.value} refused by every persona ({why})"

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "persona": self.persona, "reasons": dict(self.reasons)}


def decide(item: Item, personas: Sequence[Persona], forced: str | None = None) -> Decision:
    """Pick the persona that takes `item`.

    Personas are asked in config order; the first that takes the item gets it, and its
    reason names those after it that would have taken it too. `forced` (`--as NAME`) asks
    only that persona, whose policy still applies.
    """
    length = _weighted_length(item)
    if forced is not None:
        chosen = [p for p in personas if p.name == forced]
        if not chosen:
            raise UnknownPersona(forced, [p.name for p in personas])
        verdict = judge(item, chosen[0], length)
        reason = ("chosen with --as; " if verdict.takes else "") + verdict.reason
        return Decision(item.kind, forced if verdict.takes else None, {forced: reason}, length)

    verdicts = {p.name: judge(item, p, length) for p in personas}
    takers = [name for name, v in verdicts.items() if v.takes]
    reasons = {name: v.reason for name, v in verdicts.items()}
    if not takers:
        return Decision(item.kind, None, reasons, length)
    first, others = takers[0], takers[1:]
    if others:
        also = ", ".join(others)
        reasons[first] += f"; also taken by {also}, {first} comes first in config order"
    for name in others:
        reasons[name] += f", but {first} comes first in config order"
    return Decision(item.kind, first, reasons, length)


def _weighted_length(item: Item) -> int | None:
    if item.kind is Kind.REPOST:
        return None
    from router.text import weighted_length

    return weighted_length(item.text)
