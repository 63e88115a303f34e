"""`python -m node` runs the `vidensnet` command line."""

from node.cli import main

if __name__ == "__main__":  # guarded: helper processes (federation.verifier) import the main module again
    main()
