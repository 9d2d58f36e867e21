"""A training process killed with SIGKILL at any moment resumes from its last checkpoint, trains only the epochs
that remain, and ends exactly as an uninterrupted run: same final weights, same metrics (CPU, one thread). The toy
job's augmentation draws from Python's, NumPy's and torch's generators, so the match also proves that the
checkpoint restores all three."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
from safetensors.torch import load_file
from mmcl.learner import load_checkpoint_file

JOB = Path(__file__).with_name('toy_training.py')
EPOCHS = 4

def _run(run_dir, **kw):
    return subprocess.Popen([sys.executable, str(JOB), str(run_dir), str(EPOCHS)], env={**os.environ, 'OMP_NUM_THREADS': '1'},
                            stdout=subprocess.PIPE, text=True, **kw)

def _metrics(run_dir):
    return [{k: v for k, v in json.loads(l).items() if k != 'seconds'} for l in (run_dir / 'metrics.jsonl').read_text().splitlines()]

def _trained(p):
    out, _ = p.communicate()
    assert p.returncode == 0
    return [int(l.split()[-1]) for l in out.splitlines() if l.startswith('trained epoch')]

def test_killed_run_resumes_to_identical_result(tmp_path):
    whole, killed = tmp_path / 'whole', tmp_path / 'killed'
    assert _trained(_run(whole)) == list(range(EPOCHS))
    p = _run(killed)
    while not (killed / 'metrics.jsonl').is_file() or len((killed / 'metrics.jsonl').read_text().splitlines()) < 2:
        assert p.poll() is None, 'the job ended before it could be killed'
        time.sleep(0.02)
    time.sleep(0.15)  # somewhere inside the third epoch
    p.send_signal(signal.SIGKILL); p.wait()
    done = load_checkpoint_file(killed / 'checkpoint.pt')['epoch'] + 1  # the checkpoint, not metrics.jsonl, is what resumes
    assert 2 <= done < EPOCHS, 'killed too late to test resuming'
    assert _trained(_run(killed)) == list(range(done, EPOCHS))  # only the remaining epochs
    assert _metrics(killed) == _metrics(whole)
    a, b = load_file(str(whole / 'skeleton.safetensors')), load_file(str(killed / 'skeleton.safetensors'))
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    assert not list(killed.glob('*.tmp'))

def test_the_toy_job_depends_on_its_random_draws(tmp_path):
    "The exactness check above is not vacuous: other draws from the global generators give another result."
    sys.path.insert(0, str(JOB.parent))
    from toy_training import run
    a, b = run(tmp_path / 'a', 1), run(tmp_path / 'b', 1, noise_seed=1)
    assert _metrics(tmp_path / 'a') != _metrics(tmp_path / 'b')
    assert any((v != b.state_dict()[k]).any() for k, v in a.state_dict().items())
