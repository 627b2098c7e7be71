"""The domain: plain functions over a SQLAlchemy Session, knowing nothing of HTTP."""
