"""The background jobs and sweeps a worker runs: thin wrappers that call the services with a
database session (the services know nothing of queues)."""
