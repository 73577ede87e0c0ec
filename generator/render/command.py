"""The 'key' command (placeholder)."""

import click


@click.command()
@click.argument("key_file")
def key(key_file: str) -> None:
    """Re-render the printable answer key from answer_keys/<pack>.json (not built yet)."""
    raise click.ClickException("not built yet")
