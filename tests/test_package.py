"The installed library imports without its dev-only dependencies and without network access."
import subprocess, sys
from pathlib import Path
import mmcl

MODULES = sorted(p.stem for p in Path(mmcl.__file__).parent.glob('*.py') if not p.stem.startswith('_'))

def test_modules_import_without_dev_dependencies():
    # fastcore, nbdev and IPython are dev extras: blocking them must not break `import mmcl.<module>`
    code = ("import sys\nfor m in ('fastcore', 'nbdev', 'IPython', 'execnb'): sys.modules[m] = None\n"
            + ''.join(f'import mmcl.{m}\n' for m in MODULES))
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env={'HF_HUB_OFFLINE': '1', 'PATH': ''})
    assert r.returncode == 0, r.stderr
    assert {'graph', 'encoder'} <= set(MODULES)
