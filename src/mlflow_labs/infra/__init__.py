"""What the harness starts and always tears down. Every class here works without pytest:
a context manager with a readiness wait that raises with the service's log tail, cleanup in finally."""
