"""Evaluation of the matting, segmentation and compositing methods on benchmark folders (no Qt).

``python main.py evaluate TASK --data DIR --method M … --out REPORT_DIR`` runs each method on every
image of a set laid out as in ``../shared/data/README.md``, scores the predictions with
``classic.metrics``, and writes ``summary.json``, the predictions as PNG files and ``report.md`` with
tables and plots. ``python main.py make-compositing-set`` builds a compositing set from a matting set.
"""
