"""The engine benchmark's fusion rows run the shipped fusion network's shape (it takes the photo too) on a
small photo: the forward pass alone, and the composite as the pipeline makes it."""

from __future__ import annotations

import numpy as np
import pytest

from app.bench import benchmark


@pytest.mark.parametrize(
    ("name", "shape"), [("fusion network", (1, 3, 64, 96)), ("fusion composite", (64, 96, 3))]
)
def test_the_fusion_rows_run_the_shipped_shape(name: str, shape: tuple[int, ...]) -> None:
    inputs = benchmark._inputs((96, 64))
    image = np.asarray(benchmark._engine_operations()[name](inputs))
    assert image.shape == shape and np.isfinite(image).all()
    assert image.min() >= 0.0 and image.max() <= 1.0
