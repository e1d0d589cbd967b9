"""Democratic appraisal (民主评议党员): self-appraisal, peer ballot, organisation's grade."""
