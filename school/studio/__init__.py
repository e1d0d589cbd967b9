"""The instructor studio: courses and lessons written, reviewed and published in the browser."""
