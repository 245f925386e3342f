"""Storage: SQLAlchemy 2 typed models, engine setup, queries and Alembic migrations.

The only package that imports SQLAlchemy. It knows nothing about HTTP or models.
"""
