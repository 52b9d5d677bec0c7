"""``python -m liteconv_cli``: the same as the ``liteconv`` command."""

from .cli import main

main()
