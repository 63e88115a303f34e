"""Local accounts: users, roles, passwords and API tokens."""
