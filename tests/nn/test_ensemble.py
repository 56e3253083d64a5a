"""NodeEnsemble: the mean of its members' outputs, behind NodeModel's interface."""

import pytest
import torch

from relgraph.graph import GraphArtifact
from relgraph.nn import NodeEnsemble
from tests.nn.test_node_model import SEEDS, model_for, sample


def test_outputs_are_the_members_mean_and_embeddings_sit_side_by_side(
    tiny_artifact: GraphArtifact,
) -> None:
    store = tiny_artifact.store
    members = [model_for(store, 2, channels=8), model_for(store, 2, channels=16, dropout=0.1)]
    torch.manual_seed(1)
    members[1].reset_parameters()  # model_for seeds every model alike
    ensemble = NodeEnsemble(members).eval()
    batch = sample(store)
    with torch.no_grad():
        expected = torch.stack([member.eval()(batch) for member in members]).mean(0)
        state = ensemble.embed(batch)
        assert state.shape == (SEEDS.size, 8 + 16)
        torch.testing.assert_close(ensemble(batch), expected)
        torch.testing.assert_close(ensemble.head(state), expected)


def test_fewer_than_two_or_mismatched_members_are_refused(tiny_artifact: GraphArtifact) -> None:
    store = tiny_artifact.store
    with pytest.raises(ValueError, match="needs >= 2 members, found 1"):
        NodeEnsemble([model_for(store, 1, channels=8)])
    with pytest.raises(ValueError, match="members predict different things"):
        NodeEnsemble([model_for(store, 1, channels=8), model_for(store, 3, channels=8)])
