"""A training process killed with SIGKILL at any moment resumes from its last checkpoint, and ends exactly as an
uninterrupted run: same final weights, same metrics (CPU, one thread)."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
from safetensors.torch import load_file

JOB = Path(__file__).with_name('toy_training.py')
EPOCHS = 6

def _run(run_dir, **kw):
    return subprocess.Popen([sys.executable, str(JOB), str(run_dir), str(EPOCHS)], env={**os.environ, 'OMP_NUM_THREADS': '1'}, **kw)

def _metrics(run_dir):
    return [{k: v for k, v in json.loads(l).items() if k != 'seconds'} for l in (run_dir / 'metrics.jsonl').read_text().splitlines()]

def test_killed_run_resumes_to_identical_result(tmp_path):
    whole, killed = tmp_path / 'whole', tmp_path / 'killed'
    assert _run(whole).wait() == 0
    p = _run(killed)
    while not (killed / 'metrics.jsonl').is_file() or len((killed / 'metrics.jsonl').read_text().splitlines()) < 2:
        assert p.poll() is None, 'the job ended before it could be killed'
        time.sleep(0.02)
    time.sleep(0.15)  # somewhere inside the third epoch
    p.send_signal(signal.SIGKILL); p.wait()
    done = len(_metrics(killed))
    assert done < EPOCHS, 'killed too late to test resuming'
    assert _run(killed).wait() == 0
    assert _metrics(killed) == _metrics(whole)
    a, b = load_file(str(whole / 'skeleton.safetensors')), load_file(str(killed / 'skeleton.safetensors'))
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    assert not list(killed.glob('*.tmp'))
