"""The 'grade' command (placeholder)."""

import click


@click.command()
@click.argument("key_file")
def grade(key_file: str) -> None:
    """Grade submissions against answer_keys/<pack>.json (not built yet)."""
    raise click.ClickException("not built yet")
