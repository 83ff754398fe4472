"""The progress bar of a long sweep (rich), on stderr, only at a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType

from personas.following import Progress


class Bar(Progress):
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.rich = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                             console=Console(stderr=True), transient=True)
        self.task = self.rich.add_task("reading followers", total=None, note="")

    def __enter__(self) -> Bar:
        self.rich.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rich.stop()

    def reading(self, read: int) -> None:
        self.rich.update(self.task, completed=read, description="reading followers")

    def working(self, done: int, total: int) -> None:
        self.rich.update(self.task, completed=done, total=total, description="following",
                         note="")

    def waiting(self, until_epoch: float) -> None:
        at = datetime.fromtimestamp(until_epoch, UTC).strftime("%H:%M:%S UTC")
        self.rich.update(self.task, note=f"next window {at}")
