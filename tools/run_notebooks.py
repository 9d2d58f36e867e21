"""Execute notebooks as `nbdev_test` does (skipping cells flagged slow, cuda or notest, and export calls) and save
their outputs into the notebooks, so the docs site, built without executing them, shows results.
Usage: python tools/run_notebooks.py [NOTEBOOK ...]   (default: every notebook under nbs/ except the papermill drivers)"""
import json, os, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config
from check_outputs import is_driver  # papermill drivers (a `parameters` cell): their outputs come from a run, not from here

def skip_flags() -> set: return set(get_config().get('tst_flags', '').split())

def run(fn: Path) -> float:
    "Execute `fn` in its folder and write the outputs back; returns seconds."
    flags = skip_flags()
    nb = read_nb(fn)
    def no_eval(cell):
        if cell.cell_type != 'code' or 'nbdev_export(' in cell.source: return True
        directives = {w for l in cell.source.splitlines() if l.startswith('#|') for w in l[2:].split()}
        if not directives & flags: return False
        cell.outputs, cell.execution_count = [], None  # a skipped cell shows no stale output
        return True
    t0, cwd = time.time(), os.getcwd()
    os.chdir(fn.parent)
    try: CaptureShell(fn, mpl_format='png').run_all(nb, exc_stop=True, preproc=no_eval)  # png: retina doubles the pages' size
    finally: os.chdir(cwd)
    write_nb(nb, fn)
    return time.time() - t0

if __name__ == '__main__':
    nbs = [Path(p) for p in sys.argv[1:]] or sorted(p for p in Path(get_config().nbs_path).glob('**/*.ipynb')
                                                    if not p.name.startswith('_') and not is_driver(json.loads(p.read_text())))
    for fn in nbs:  # one after another: each is seeded, so its outputs are the same on every run
        print(f'{fn}: {run(fn.resolve()):.0f} s', flush=True)
