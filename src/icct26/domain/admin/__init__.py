"""Administration: staff accounts, the review read model, and the ports the admin use cases need."""
