"""Campaigns (专题教育活动)."""
