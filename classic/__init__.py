"""Classic cut-out and compositing algorithms on numpy arrays.

Interchange types (see ``classic.checks``): an RGB image is ``float32 (H, W, 3)`` in [0, 1]; a mask,
alpha or trimap is ``float32 (H, W)`` in [0, 1] (trimap values 0 / 0.5 / 1). Nothing here imports torch
or Qt.
"""
