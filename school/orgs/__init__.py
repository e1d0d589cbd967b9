"""Organisations and the staff pages scoped to them."""
