import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cosmos_flow.cli import cli, main


def test_probe_prints_json_and_one_sentence_errors(bikes_path, bad_input_corpus):
    result = CliRunner().invoke(cli, ["probe", str(bikes_path), str(bad_input_corpus["zero_byte"][0])])
    assert result.exit_code == 1
    info = json.loads(result.stdout.splitlines()[0])
    assert (info["width"], info["height"], info["num_frames"]) == (640, 272, 250)
    assert result.stderr.strip() == "error: empty.mp4 is empty (0 bytes)."


def run_main(monkeypatch, capsys, *arguments) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the console script with these arguments."""
    monkeypatch.setattr(sys, "argv", ["cosmos-flow", *arguments])
    with pytest.raises(SystemExit) as exit:
        main()
    captured = capsys.readouterr()
    return exit.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    ("arguments", "message", "command"),
    [
        (
            ["generate", "ar", "--frames", "abc"],
            "error: Invalid value for '--frames': 'abc' is not a valid integer.",
            "cosmos-flow generate ar",
        ),
        (["generate", "diffusion", "--bogus"], "error: No such option", "cosmos-flow generate diffusion"),
        (["nothing"], "error: No such command 'nothing'.", "cosmos-flow"),
    ],
)
def test_usage_errors_are_one_line_too(monkeypatch, capsys, arguments, message, command):
    code, out, err = run_main(monkeypatch, capsys, *arguments)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(message) and err.endswith(f" Run '{command} --help' for the options.\n")


def test_help_and_commands_keep_their_exit_status(monkeypatch, capsys, bad_input_corpus):
    code, out, _ = run_main(monkeypatch, capsys, "--help")
    assert code == 0 and "generate" in out
    code, _, err = run_main(monkeypatch, capsys, "probe", str(bad_input_corpus["zero_byte"][0]))
    assert code == 1 and err == "error: empty.mp4 is empty (0 bytes).\n"


@pytest.mark.parametrize("arguments", [["--help"], ["generate", "--help"], ["probe", "--help"]])
def test_help_and_probe_never_import_torch(arguments):
    """The commands that need torch load when they run, so listing them starts fast (a fresh interpreter)."""
    code = (
        "import sys; from click.testing import CliRunner; from cosmos_flow.cli import cli; "
        f"result = CliRunner().invoke(cli, {arguments!r}); "
        "print(result.exit_code, 'torch' in sys.modules, 'ar' in result.output and 'tokenizer' in result.output)"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, torch_imported, _ = finished.stdout.split()
    assert (exit_code, torch_imported) == ("0", "False")


def test_listed_commands_load_and_their_help_matches_the_listing():
    runner = CliRunner()
    listing = runner.invoke(cli, ["generate", "--help"]).output
    for name in ("diffusion", "ar"):
        result = runner.invoke(cli, ["generate", name, "--help"])
        assert result.exit_code == 0 and "--video" in result.output
        assert " ".join(result.output.split()).startswith(f"Usage: cosmos-flow generate {name} [OPTIONS]")
    assert "Continue a past video with the autoregressive world model." in listing
    assert runner.invoke(cli, ["tokenizer", "reconstruct", "--help"]).exit_code == 0
