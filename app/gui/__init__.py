"""The desktop application's widgets: the only package that imports Qt. Views and controllers over
``app.model``.
"""
