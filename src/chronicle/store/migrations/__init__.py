"""Alembic migrations between chronicle's schema versions, shipped in the package.

Run by :func:`chronicle.store.upgrade.upgrade_archive` (``chronicle upgrade``), never by the
``alembic`` command line: the runner hands ``env.py`` a connection that already holds
the log's write lock. Revision ``schemaN`` brings an archive to schema version N and
sets ``chronicle_meta.schema_version`` to N in the same transaction, so the two can
never disagree. ``chronicle_meta.schema_version`` is the truth; an archive that has
never been upgraded has no ``alembic_version`` table and is stamped from it.
"""
