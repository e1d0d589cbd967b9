"""Commendation (评先评优): rounds, nominations, review up the tree, 公示, honours."""
