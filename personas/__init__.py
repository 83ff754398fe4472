"""persona: one router for several social accounts, each with its own role."""

__version__ = "0.1.0"
