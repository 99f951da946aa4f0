"""`curator lid identify`: one label<TAB>score line per input line, from a file or stdin."""

from click.testing import CliRunner

from curator.lid.cli import lid_group
from tests.conftest import shared_data


def test_identify_file_prints_one_line_per_input_line(tmp_path):
    lines = []
    for code in ("deu", "rus", "tha"):
        lines += shared_data(f"lid-dev/{code}.txt").read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines + [""]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(lid_group, ["identify", str(path)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [label for label, _ in rows] == ["deu_Latn"] * 2 + ["rus_Cyrl"] * 2 + ["tha_Thai"] * 2 + ["und_Zyyy"]
    assert all(0 <= float(score) <= 1 for _, score in rows)


def test_identify_reads_stdin_with_a_chosen_engine():
    result = CliRunner().invoke(lid_group, ["identify", "--engine", "fasttext"], input="Bonjour tout le monde, je suis content.\n")
    assert result.exit_code == 0
    assert result.output.startswith("fra_Latn\t")


def test_identify_rejects_a_missing_model(tmp_path):
    result = CliRunner().invoke(lid_group, ["identify", "--model", str(tmp_path / "none.bin")], input="x\n")
    assert result.exit_code != 0
    assert "none.bin" in result.output
