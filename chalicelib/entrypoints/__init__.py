"""Chalice blueprints: HTTP routes and event handlers; thin."""
