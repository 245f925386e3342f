"""Storage: SQLAlchemy 2 typed models, engine setup, one module of query functions per
aggregate (feeds, articles, matches, vectors, digests, runs, schedule), Alembic migrations.

The only package that imports SQLAlchemy. It knows nothing about HTTP or models.
"""
