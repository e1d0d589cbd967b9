"""Demo organisations and accounts for trying the school out (``flask demo load``)."""
