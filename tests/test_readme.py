"README.md is generated from nbs/index.ipynb and gives exactly two set-up commands from a fresh clone."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_readme_in_step_with_index():
    r = subprocess.run([sys.executable, 'tools/make_readme.py', '--check'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_readme_has_two_commands_from_a_fresh_clone():
    cmds = [b.strip() for b in re.findall(r"```sh\n(.*?)```", (ROOT / 'README.md').read_text(), re.S)]
    assert len(cmds) == 2, cmds
    assert all(c.startswith('python -m venv .venv') and '\n' not in c for c in cmds), cmds
    assert sum('nbdev_test' in c and 'pytest' in c for c in cmds) == 1
