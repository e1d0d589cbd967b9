"""Hometown projects (家乡项目): development projects and investment opportunities from home."""
