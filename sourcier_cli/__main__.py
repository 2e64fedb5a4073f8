"""``python -m sourcier_cli``: the ``sourcier`` command without the installed script."""

from sourcier_cli.commands import app

app()
