"""relgraph.tasks never imports torch, not even indirectly."""

import subprocess
import sys


def test_importing_tasks_loads_no_torch() -> None:
    code = (
        "import sys; import relgraph.tasks, relgraph.tasks.pquery; "
        "from relgraph.tasks import PredictiveQuery, NodeTask, LinkTask, TemporalSplit; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torch_geometric', 'torch_frame')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
