"""The document model, Qt-free: photos, layers, placement and compositing settings, the editing maths
(brush, hints, views), and the jobs that make a cut-out and a composite.
"""
