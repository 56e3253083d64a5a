"""``relgraph predict``: the command writes outputs and prints them; bad input is one line."""

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from relgraph.cli.main import app
from tests.predict.conftest import Trained

runner = CliRunner()


def test_predict_writes_outputs_and_prints_the_result(binary: Trained, tmp_path: Path) -> None:
    out = tmp_path / "out"
    arguments = ["predict", str(binary.out.model_path), str(binary.graph), "-o", str(out)]
    result = runner.invoke(app, [*arguments, "-a", "cli", "--embeddings", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed["outputs"]) == {"PREDICTIONS_cli", "EMBEDDINGS_SRC_user_id_cli"}
    assert printed["num_rows"] == pq.read_table(out / "PREDICTIONS_cli.parquet").num_rows
    assert printed["model"]["run_id"] == binary.out.run_id

    tables = runner.invoke(app, [*arguments, "-a", "cli2", "--tracking-uri", binary.uri])
    assert tables.exit_code == 0, tables.output
    assert "PREDICTIONS_cli2" in tables.stdout and "psi" in tables.stdout

    again = runner.invoke(app, [*arguments, "-a", "cli"])
    assert again.exit_code == 1
    assert "output_alias 'cli' already exists" in again.stderr
    assert "Traceback" not in again.output


def test_bad_input_is_one_line(binary: Trained, tmp_path: Path) -> None:
    base = ["predict", str(binary.out.model_path), str(binary.graph)]
    bad_alias = runner.invoke(app, [*base, "-o", str(tmp_path), "-a", "../x"])
    assert bad_alias.exit_code == 1
    assert "output_alias '../x'" in bad_alias.stderr
    bad_output = runner.invoke(app, [*base, "-o", "mysql://h/db", "-a", "x"])
    assert bad_output.exit_code == 1
    assert "output location 'mysql://h/db' is none of" in bad_output.stderr
    schema = runner.invoke(app, [*base, "-o", str(tmp_path), "-a", "x", "--schema", "s"])
    assert "applies to sql outputs only" in schema.stderr
    unknown = runner.invoke(
        app,
        [
            "predict",
            "nope@champion",
            str(binary.graph),
            "-o",
            str(tmp_path),
            "-a",
            "x",
            "--tracking-uri",
            binary.uri,
        ],
    )
    assert unknown.exit_code == 1
    assert "nope" in unknown.stderr and "Traceback" not in unknown.output
    assert list(tmp_path.iterdir()) == []
