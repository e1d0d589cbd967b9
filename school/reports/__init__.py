"""Completion reports over precomputed progress, overdue lists, reminders and bulletins."""
