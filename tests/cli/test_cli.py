"""The ``stepgym`` CLI, called in-process."""

from __future__ import annotations

import io

import pytest

from tests.conftest import TOY_ID
from trainers.cli import build_parser, main
from trainers.cli.play import play


def test_envs_lists_every_registered_id(capsys):
    assert main(["envs"]) == 0
    out = capsys.readouterr().out
    for env_id in ("stepgym/MathChain-v0", "stepgym/ALFWorld-v0", "stepgym/WebShop-v0",
                   "stepgym/ToolUse-v0"):
        assert env_id in out


def test_check_prints_a_table_and_sets_the_exit_code(capsys):
    assert main(["check", TOY_ID, "--fuzz-actions", "100", "--only", "determinism", "expert"]) == 0
    out = capsys.readouterr().out
    assert "determinism" in out and "PASS" in out and "2/2 checks passed" in out
    assert main(["check", "stepgym-test/CountBrokenExpert-v0", "--only", "expert",
                 "--kwargs", '{"broken_expert": true}', "--seeds", "0"]) == 0
    assert main(["check", TOY_ID, "--kwargs", "{not json"]) == 2


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["play", "stepgym/MathChain-v0", "--split", "bogus"], "has no split 'bogus'"),
        (["play", "ALFWorld-v0"], "did you mean stepgym/ALFWorld-v0?"),
        (["play", "stepgym/Webshop-v0"], "did you mean stepgym/WebShop-v0?"),
        (["play", "stepgym/Nope-v0"], "unknown env id 'stepgym/Nope-v0'"),
        (["check", "stepgym/MathChain-v0", "--only", "bogus"], "unknown checks ['bogus']"),
        (["check", "stepgym/Nope-v0"], "unknown env id"),
        (["eval", "--model", "expert", "--env", "MathChain-v0"], "did you mean stepgym/MathChain-v0?"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(argv, says, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert says in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "FAIL" not in captured.out  # no table of failed checks for an unknown id


@pytest.mark.parametrize("argv", [["play", "stepgym/MathChain-v0", "--seed", "-5"],
                                  ["eval", "--model", "expert", "--env", "stepgym/MathChain-v0",
                                   "-n", "0"]])
def test_bad_numbers_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "must be an integer" in capsys.readouterr().err


def test_play_runs_a_scripted_session():
    stdin = io.StringIO(":a\n:e\njump\nadd 1\nadd 1\nadd 3\nadd 3\nadd 3\nadd 3\n")
    stdout = io.StringIO()
    assert play(TOY_ID, seed=0, split=None, make_kwargs={}, stdin=stdin, stdout=stdout) == 0
    text = stdout.getvalue()
    assert "add 1\nadd 2\nadd 3" in text  # :a listed the admissible actions
    assert "expert: add" in text
    assert "(invalid action)" in text
    assert ("WON" in text) or ("episode over" in text)


def test_play_stops_at_end_of_input():
    stdout = io.StringIO()
    assert play(TOY_ID, seed=0, split=None, make_kwargs={}, stdin=io.StringIO(""), stdout=stdout) == 0
    assert "count:train:0" in stdout.getvalue()


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_subcommands_are_discovered():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices  # argparse keeps them here
    assert {"envs", "check", "play", "demo"} <= set(choices)


def test_play_preview_shows_every_kind_of_action():
    from trainers.cli.play import preview_actions

    actions = [f"go to cabinet {i}" for i in range(1, 20)] + ["inventory", "look", "open drawer 1"]
    shown = preview_actions(actions, 12)
    assert len(shown) == 12 and {"inventory", "look", "open drawer 1"} <= set(shown)
    assert preview_actions(["a", "b"], 12) == ["a", "b"]


def test_demo_play_prints_expert_and_random_rows(capsys):
    assert main(["demo", "--play", "--envs", "stepgym/MathChain-v0", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "expert" in out and "random" in out and "100.00%" in out  # the expert wins both


def test_demo_quick_bootstraps_trains_and_reports_before_after(tmp_path, capsys, monkeypatch):
    """The whole ``make demo`` pipeline at smoke size: model built, GRPO+GiGPO steps taken,
    before/after eval with the difference interval, curve and final model written."""
    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path / "cache"))
    out_dir = tmp_path / "demo"
    assert main(["demo", "--quick", "--output-dir", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "eval before: success" in out and "eval after:  success" in out
    assert "95% Newcombe" in out
    assert (out_dir / "learning_curve.png").is_file()
    assert (out_dir / "final" / "config.json").is_file()
    assert (out_dir / "config.yaml").is_file()
    assert "GRPO + gigpo on stepgym/ALFWorld-v0: 2 updates" in out


def test_play_empty_lines_use_no_step_and_tooluse_lists_tool_arguments():
    stdin = io.StringIO("\n   \n:a\n:q\n")
    stdout = io.StringIO()
    assert play("stepgym/ToolUse-v0", seed=0, split=None, make_kwargs={}, stdin=stdin,
                stdout=stdout) == 0
    out = stdout.getvalue()
    assert "step 1" not in out and "invalid action" not in out  # blank lines were not moves
    assert "calculator(expression: string)" in out and "weather_forecast(" in out
