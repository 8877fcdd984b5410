"""Procedural textures are drawn once into one shared cache folder: runs and worker processes reuse it, and none
leaves a folder of its own behind."""

import os
import subprocess
import sys
import tempfile

import cv2

from cosmos_flow.simulation.textures import texture_file

DRAW = "from cosmos_flow.simulation.textures import texture_file; print(texture_file((0.2, 0.5, 0.8), seed=3, size=32))"


def test_a_texture_is_drawn_once_into_one_folder_that_other_processes_share(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = texture_file((0.2, 0.5, 0.8), seed=3, size=32)
    other = texture_file((0.2, 0.5, 0.8), seed=4, size=32)
    assert path != other and cv2.imread(path).shape == (32, 32, 3)
    in_another_process = subprocess.run(
        [sys.executable, "-c", DRAW],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert in_another_process.stdout.strip() == path
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["cosmos_flow_textures"]
    assert sorted(os.listdir(tmp_path / "cosmos_flow_textures")) == sorted(
        [os.path.basename(path), os.path.basename(other)]
    )
