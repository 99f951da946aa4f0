"""`curator lid identify`: one label<TAB>score line per input line, from a file or stdin."""

from click.testing import CliRunner

from curator.stages.lid.cli import lid_group
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
    assert [label for label, _ in rows] == ["deu_Latn"] * 2 + ["rus_Cyrl"] * 2 + ["tha_Thai"] * 2 + [
        "und_Zyyy"
    ]
    assert all(0 <= float(score) <= 1 for _, score in rows)


def test_identify_reads_stdin_with_a_chosen_engine():
    result = CliRunner().invoke(
        lid_group, ["identify", "--engine", "fasttext"], input="Bonjour tout le monde, je suis content.\n"
    )
    assert result.exit_code == 0
    assert result.output.startswith("fra_Latn\t")


def test_identify_rejects_a_missing_model(tmp_path):
    result = CliRunner().invoke(lid_group, ["identify", "--model", str(tmp_path / "none.bin")], input="x\n")
    assert result.exit_code != 0
    assert "none.bin" in result.output


def test_identify_with_chosen_voters():
    text = shared_data("lid-dev/tsn.txt").read_text(encoding="utf-8").splitlines()[0] + "\n"
    result = CliRunner().invoke(lid_group, ["identify", "--voters", "heliport,cld2"], input=text)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("tsn_Latn\t")  # heliport lacks Tswana: CLD2 names it
    bad = CliRunner().invoke(lid_group, ["identify", "--voters", "glotlid"], input="x\n")
    assert bad.exit_code != 0 and "glotlid" in bad.output
