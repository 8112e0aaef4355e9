"""The desktop application: Qt widgets over the ``engine`` and ``classic`` layers.

Only this package imports Qt. Long work runs as jobs on a worker thread (``app.jobs``); numpy images
cross into Qt only through ``app.qimage``.
"""
