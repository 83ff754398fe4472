"""`python -m personas` is `persona`."""

from personas.cli.main import run

run()
