import json

from click.testing import CliRunner

from cosmos_flow.cli import cli


def test_probe_prints_json_and_one_sentence_errors(bikes_path, bad_input_corpus):
    result = CliRunner().invoke(cli, ["probe", str(bikes_path), str(bad_input_corpus["zero_byte"][0])])
    assert result.exit_code == 1
    info = json.loads(result.stdout.splitlines()[0])
    assert (info["width"], info["height"], info["num_frames"]) == (640, 272, 250)
    assert result.stderr.strip() == "error: empty.mp4 is empty (0 bytes)."
