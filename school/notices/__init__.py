"""Notices (通知公告): what the committees publish to the members of their subtree."""
