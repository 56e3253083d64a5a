"""MLPHead: a row's output depends on that row only."""

import pytest
import torch

from relgraph.nn.head import MLPHead


@pytest.mark.parametrize("norm", ["layer_norm", "none"])
def test_a_row_does_not_depend_on_the_rest_of_its_batch(norm: str) -> None:
    torch.manual_seed(0)
    head = MLPHead(8, 3, num_layers=3, norm=norm).eval()
    x = torch.randn(16, 8)
    torch.testing.assert_close(head(x)[:5], head(x[:5]))
    torch.testing.assert_close(head(x)[7:8], head(x[7:8]))


def test_the_output_layer_is_the_last_linear() -> None:
    head = MLPHead(4, 2)
    assert head.output_layer.out_channels == 2
