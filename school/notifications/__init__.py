"""In-app notifications (消息): replies, answers and state changes, with an unread count."""
