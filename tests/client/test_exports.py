"""The SDK's names: re-exported lazily from ``relgraph`` and ``relgraph.client``, so that
``import relgraph`` stays instant and the data API stays free of torch."""

import json
import subprocess
import sys

import pytest

import relgraph
import relgraph.client

HEAVY = ("torch", "torch_geometric", "torch_frame", "kfp", "mlflow")


def _loaded_after(code: str) -> list[str]:
    check = (
        f"import json, sys; {code}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_relgraph_loads_nothing_heavy() -> None:
    assert _loaded_after("import relgraph") == []


def test_the_data_api_loads_no_torch() -> None:
    loaded = _loaded_after(
        "from relgraph import Dataset, GNNTable, PredictiveQuery, ForeignKey, ColumnDType, "
        "NodeTask, LinkTask, TaskType, EvaluationMetric, OutputConfig"
    )
    assert not {"torch", "torch_geometric", "torch_frame"} & set(loaded)


@pytest.mark.parametrize("name", relgraph._SDK)
def test_every_sdk_name_is_the_clients(name: str) -> None:
    assert getattr(relgraph, name) is getattr(relgraph.client, name)
    assert name in relgraph.__all__
    assert name in relgraph.client.__all__


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Trainr'"):
        _ = relgraph.Trainr
    with pytest.raises(AttributeError, match="has no attribute 'Trainr'"):
        _ = relgraph.client.Trainr
