"""Stand-ins for outside services, run as their own processes in dev and tests."""
