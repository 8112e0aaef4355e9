"""The application, in sub-packages that import downwards only (import-linter checks it):

- ``app.cli``: the command line; starts the GUI or runs a subcommand headless;
- ``app.bench``: ``python main.py benchmark``;
- ``app.gui``: the desktop application's widgets, the only Qt code; long work runs as jobs on a worker
  thread (``app.gui.jobs``), numpy images cross into Qt only through ``app.gui.qimage``;
- ``app.training`` and ``app.evaluation``: training and evaluation front ends;
- ``app.project``: projects on disk and the autosave;
- ``app.model``: the Qt-free document model and the editing maths.
"""
