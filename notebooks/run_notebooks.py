"""Execute every notebook in this folder top to bottom (outputs are not saved); fail on any error.

Run after `make run`: the notebooks read the default profile's outputs.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main() -> int:
    folder = Path(__file__).resolve().parent
    for path in sorted(folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
        print(f"{path.name}: ran top to bottom")
    return 0


if __name__ == "__main__":
    sys.exit(main())
