"""Boards: Q&A, suggestions, situation reports and help requests."""
