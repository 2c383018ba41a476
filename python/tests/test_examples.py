"""examples/python: each script runs to its end with the package of the build."""
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")


@pytest.mark.parametrize("script, last_line", [
    ("resnet.py", "image 3: class "),
    ("gpt.py", "generated: [1, 7, 3, "),
])
def test_example_runs(script, last_line):
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, script)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith(last_line), result.stdout
