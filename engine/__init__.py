"""Networks, inference and training (torch lives here and only here; no Qt)."""
