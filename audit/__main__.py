"""``python -m audit`` runs the CLI."""

from audit.cli import main

main()
