"""marshmallow schemas shared by the API and the pages for loading, validating and dumping."""
