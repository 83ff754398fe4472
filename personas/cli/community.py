"""community: the private persona's community."""

import typer

app = typer.Typer(help="The private persona's community: carrying the best posts in.\n\n"
                       "Example: persona community import --dry-run", no_args_is_help=True)
