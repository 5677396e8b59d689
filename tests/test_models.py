"""nn.models: the ready-made networks map their images to 10 logits, with the parameters their
docstrings state, seeded reproducibly."""

import numpy as np
import pytest

from autograd import Tensor
from nn.models import digits_cnn, lenet5


@pytest.mark.parametrize(
    ("build", "image", "parameters"),
    [(digits_cnn, (1, 8, 8), 6_274), (lenet5, (1, 28, 28), 61_706)],
)
def test_a_model_maps_images_to_ten_logits_and_learns_what_it_says(build, image, parameters):
    model = build(generator=0)
    x = Tensor(np.random.default_rng(0).random((3, *image), dtype=np.float32))
    out = model(x)
    assert out.shape == (3, 10) and out.dtype == np.float32
    assert model.num_parameters() == parameters
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("build", [digits_cnn, lenet5])
def test_the_same_seed_gives_the_same_weights_and_another_seed_others(build):
    first, again, other = build(generator=0), build(generator=0), build(generator=1)
    for name, array in first.state_dict().items():
        assert np.array_equal(array, again.state_dict()[name]), name
    weights = [name for name in first.state_dict() if name.endswith("weight")]
    assert not np.array_equal(first.state_dict()[weights[0]], other.state_dict()[weights[0]])
