"""Bad configs fail before any work, one line per problem naming the key path (exit code 2)."""

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from curator.cli import main
from curator.config import load_config
from curator.config.loader import apply_override
from curator.core.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def write_config(tmp_path: Path, **changes) -> Path:
    cfg = {
        "name": "t",
        "input": {"format": "warc", "paths": [str(SAMPLE / "cc-main-2020-34-excerpt.warc.gz")]},
        "output": str(tmp_path / "out"),
        "executor": {"kind": "local", "tasks": 1, "workers": 1},
        "stages": [{"extract": {"engine": "trafilatura"}}],
    }
    for key, value in changes.items():
        apply_override(cfg, f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def problems_of(path: Path, overrides=()) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_config(path, overrides)
    return e.value.problems


def test_valid_config_loads(tmp_path):
    loaded = load_config(write_config(tmp_path))
    assert loaded.config.stages[0].block == "extract"
    assert loaded.config.stages[0].params.engine == "trafilatura"


def test_unknown_key_names_its_path(tmp_path):
    assert problems_of(write_config(tmp_path, **{"executor.taskz": 3})) == [
        "executor.taskz: unknown key (check the spelling; `curator validate --help` lists the schema)"
    ]


def test_unknown_stage_param_names_its_path(tmp_path):
    (problem,) = problems_of(write_config(tmp_path, **{"stages[0].extract.engin": "x"}))
    assert problem.startswith("stages[0].extract.engin: unknown key")


def test_wrong_type_names_its_path(tmp_path):
    (problem,) = problems_of(write_config(tmp_path, **{"executor.tasks": "many"}))
    assert problem.startswith("executor.tasks: ") and "'many'" in problem


def test_bad_enum_value_in_stage(tmp_path):
    (problem,) = problems_of(write_config(tmp_path, **{"stages[0].extract.engine": "lynx"}))
    assert problem.startswith("stages[0].extract.engine: ")


def test_unknown_block(tmp_path):
    (problem,) = problems_of(write_config(tmp_path, stages=[{"extrakt": {}}]))
    assert problem.startswith("stages[0].extrakt: unknown block 'extrakt'")


def test_several_problems_reported_together(tmp_path):
    problems = problems_of(write_config(tmp_path, **{"executor.tasks": 0, "input.format": "pdf"}))
    assert {p.split(":")[0] for p in problems} == {"executor.tasks", "input.format"}


def test_set_overrides_parse_yaml(tmp_path):
    path = write_config(tmp_path)
    loaded = load_config(path, ["executor.tasks=8", "input.paths=[a.warc.gz,b.warc.gz]", "output=runs/x"])
    assert loaded.config.executor.tasks == 8
    assert loaded.config.input.paths == ["a.warc.gz", "b.warc.gz"]
    assert loaded.config.output == "runs/x"


def test_set_without_equals_is_an_error(tmp_path):
    assert problems_of(write_config(tmp_path), ["executor.tasks"])[0].startswith("--set executor.tasks")


def test_validate_cli_missing_input_exit_2(tmp_path):
    path = write_config(tmp_path, **{"input.paths": ["nothere/*.warc.gz"]})
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "input.paths[0]: no file matches 'nothere/*.warc.gz'" in result.output


def test_validate_cli_ok(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(write_config(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 stages")


def test_validate_cli_not_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "not valid YAML" in result.output


def test_user_block_by_import_path(tmp_path):
    path = write_config(
        tmp_path, stages=[{"datatrove.pipeline.filters.sampler_filter:SamplerFilter": {"rate": 0.5}}]
    )
    loaded = load_config(path)
    assert loaded.config.stages[0].name == "SamplerFilter"


def test_validate_cli_missing_profiles_folder(tmp_path):
    path = write_config(
        tmp_path, stages=[{"extract": {}}, {"lid": {}}, {"filters": {"profiles": "lang_profile"}}]
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "error: stages[2].filters.profiles: directory 'lang_profile' not found" in result.output


def test_validate_cli_missing_model_file(tmp_path):
    path = write_config(
        tmp_path, stages=[{"extract": {}}, {"quality": {"classifiers": {"edu": "models/nothere.ftz"}}}]
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "error: stages[1].quality.classifiers.edu: " in result.output
