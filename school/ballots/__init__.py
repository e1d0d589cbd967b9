"""Secret ballots (school/ballots/secret.py) and recommendation ballots (参政议政) built on them."""
