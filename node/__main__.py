"""`python -m node` runs the `vidensnet` command line."""

from node.cli import main

main()
