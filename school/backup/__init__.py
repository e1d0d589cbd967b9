"""Backup and restore of the whole school: ``flask backup create`` and ``flask backup restore``.

The work is done in ``services``; ``cli`` only turns its results and errors into text.
"""
