"""Courses: catalogue, lessons, progress and the content importer."""
