"""Projects on disk, Qt-free: the project file format, saving and opening, the per-window autosave and its
edit journal.
"""
