"""Accounts: login, logout, passwords."""
