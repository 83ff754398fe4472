"""Pure routing decisions: an outgoing item and the personas' policies in, a decision out.

Nothing here touches a database, a network or the file system, so it is cheap to import
and can be tested exhaustively.
"""

from router.decide import Decision, decide
from router.items import Item, Kind
from router.policy import PRESETS, Persona, Traits

__all__ = ["PRESETS", "Decision", "Item", "Kind", "Persona", "Traits", "decide"]
