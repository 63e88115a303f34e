"""`vidensnet backup` and `vidensnet restore`: one file holding what a node cannot rebuild (docs/operations.md).

- `archive`: the file's format (a tar with `manifest.json`), pure functions with no node behind them.
- `database`: copying the database while the node runs (SQLite's online backup API, `pg_dump`) and back.
- `routine`: the whole backup and restore, including the new feed epoch a restore starts.
- `commands`: the CLI commands.
"""
