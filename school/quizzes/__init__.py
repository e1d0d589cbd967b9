"""Quizzes: the question bank, the quiz engine with server-side attempts, imports and statistics."""
