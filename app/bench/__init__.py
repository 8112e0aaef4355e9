"""Benchmarks (``python main.py benchmark``): timing and memory of the pipeline, the machine description,
the report page.
"""
