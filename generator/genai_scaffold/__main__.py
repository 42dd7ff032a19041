"""Entry point for `python -m genai_scaffold`."""

from genai_scaffold.cli import main

main()
