"""The drivers set OpenMP's wait policy to PASSIVE before torch loads OpenMP when the user has not set it, and leave a
user's choice alone: the training and evaluation drivers' own cells, run up to their torch import in a fresh Python,
and the mmcl_rgb command. What OpenMP read is libgomp's own report (OMP_DISPLAY_ENV=VERBOSE: GOMP_SPINCOUNT is 0
under PASSIVE, 300,000 by default, 3e10 under ACTIVE). No training: each case is an import or a refused command."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
PASSIVE, ACTIVE = 0, 30_000_000_000

def env_with(policy: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'} | {'OMP_DISPLAY_ENV': 'VERBOSE'}
    return env | ({'OMP_WAIT_POLICY': policy} if policy is not None else {})

def driver_imports(notebook: str) -> str:
    "The driver's code cells (the parameters cell first) up to its `import torch` line, as a script: what runs before torch loads."
    cells = [''.join(c['source']) for c in json.loads((NBS / notebook).read_text())['cells'] if c['cell_type'] == 'code']
    upto = next(i for i, s in enumerate(cells) if re.search(r'^import torch\b', s, re.M))
    lines = cells[upto].splitlines()
    return '\n'.join(cells[:upto] + lines[:next(k for k, l in enumerate(lines) if l.startswith('import torch')) + 1])

def spin_count(code: str, policy: str | None, cwd: Path) -> int:
    "libgomp's GOMP_SPINCOUNT when `code` runs in a fresh Python with `policy` (None: unset) as OMP_WAIT_POLICY."
    r = subprocess.run([sys.executable, '-c', code], env=env_with(policy), cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return int(re.search(r"GOMP_SPINCOUNT = '(\d+)'", r.stderr).group(1))

@pytest.mark.parametrize('notebook, policy, spins', [('train.ipynb', None, PASSIVE), ('train.ipynb', 'ACTIVE', ACTIVE),
                                                     ('evaluate.ipynb', None, PASSIVE)])
def test_driver_sets_the_policy_before_torch(notebook, policy, spins, tmp_path):
    assert spin_count(driver_imports(notebook), policy, tmp_path) == spins

@pytest.mark.parametrize('policy, seen', [(None, 'PASSIVE'), ('ACTIVE', 'ACTIVE')])
def test_rgb_command_sets_the_policy(policy, seen, tmp_path):
    "mmcl_rgb sets it once its arguments are parsed (here: an unknown dataset, refused before any work)."
    code = 'import os\nfrom mmcl.rgb_command import main\ntry: main(["nosuch"])\nfinally: print(os.environ.get("OMP_WAIT_POLICY"))'
    r = subprocess.run([sys.executable, '-c', code], env=env_with(policy), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'unknown dataset' in r.stderr, r.stderr
    assert r.stdout.split() == [seen]
