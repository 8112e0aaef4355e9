import numpy as np
import pytest

from classic.channels import channel_dot, largest_channel


@pytest.mark.parametrize("shape", [(5, 7, 3), (11, 3), (4, 6, 1), (2, 3, 4)])
def test_the_channel_reductions_equal_numpys(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    first = rng.normal(size=shape).astype(np.float32)
    second = rng.normal(size=shape)
    np.testing.assert_array_equal(largest_channel(first), first.max(axis=-1))
    np.testing.assert_allclose(channel_dot(first, second), (first * second).sum(axis=-1), rtol=1e-12)
    assert largest_channel(first).dtype == np.float32


def test_a_channel_reduction_refuses_an_array_without_channels() -> None:
    with pytest.raises(ValueError, match="last axis"):
        largest_channel(np.zeros((3, 0)))
