"A `prepare` run killed with SIGKILL mid-way resumes to exactly the store an uninterrupted run writes."
import os, signal, subprocess, sys, time
import numpy as np
from mmcl.synthetic import make_synthetic, sample_names, SKELETON_DIR
from mmcl.prepare import prepare

def _run(raw, out):
    return ("from mmcl.prepare import prepare; "
            f"prepare('synthetic', {str(raw)!r}, {str(out)!r}, workers=2, shard_size=8, progress=False)")

def test_killed_prepare_resumes(tmp_path):
    make_synthetic(tmp_path, sample_names(performers=4, cameras=(1, 2)), videos=False, workers=2)  # 192 files
    raw, out = tmp_path / SKELETON_DIR, tmp_path / 'out'
    reference = prepare('synthetic', raw, tmp_path / 'reference', workers=2, shard_size=8, progress=False)
    run = subprocess.Popen([sys.executable, '-c', _run(raw, out)], start_new_session=True)
    deadline = time.time() + 120
    while len(list((out / 'shards').glob('*.npz'))) < 3 and run.poll() is None and time.time() < deadline: time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its pool workers
    run.wait()
    assert not (out / 'store.json').exists(), 'the run finished before it was killed: nothing was tested'
    done = len(list((out / 'shards').glob('*.npz')))
    assert 3 <= done < 24
    store = prepare('synthetic', raw, out, workers=2, shard_size=8, progress=False)
    assert store == reference
    for f in ('xyz.npy', 'colour.npy', 'report.json'): assert (out / f).read_bytes() == (tmp_path / 'reference' / f).read_bytes()
    new, ref = np.load(out / 'index.npz'), np.load(tmp_path / 'reference' / 'index.npz')
    assert sorted(new.files) == sorted(ref.files)
    for k in ref.files: np.testing.assert_array_equal(new[k], ref[k])
