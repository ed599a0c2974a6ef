"""Work orders from outside platforms: the signed inbound webhook, sources, and the squad's queue."""
