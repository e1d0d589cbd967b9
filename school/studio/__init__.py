"""The instructor studio: courses, lessons and quizzes written, reviewed and published in the browser."""
