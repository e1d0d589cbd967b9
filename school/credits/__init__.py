"""Group credit: staff record offline study in the branch (三会一课, 主题党日, a lecture) for many
members at once."""
