"""The JSON API under /api/v1: thin flask-smorest blueprints over portal.services."""
