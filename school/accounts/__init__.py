"""Accounts in the browser: the list, one account, disabling, enabling and roles."""
