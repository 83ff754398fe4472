"""The whole schema: every module that defines tables, in one place.

The commands import only the tables they use (loading a table costs start-up time) and the
migrations build the database; what needs `SQLModel.metadata` to hold every table (the test
that compares the models with the migrations) calls `load_all()`. A new tables module is
added here, or that test fails."""

from __future__ import annotations


def load_all() -> None:
    """Import every module that defines tables, so SQLModel.metadata holds the whole schema."""
    import personas.carry_tables  # noqa: F401
    import personas.community_tables  # noqa: F401
    import personas.following_tables  # noqa: F401
    import personas.job_tables  # noqa: F401
    import personas.models  # noqa: F401
    import personas.reports.tables  # noqa: F401
    import personas.verified_tables  # noqa: F401
