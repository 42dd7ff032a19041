"""Entry point for `python -m`."""

from .cli import main

main()
