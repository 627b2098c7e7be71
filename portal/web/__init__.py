"""The htmx pages: thin blueprints over portal.services, one per feature."""
