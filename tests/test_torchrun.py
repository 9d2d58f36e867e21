"""The training notebook's own code trains under `torchrun --nproc_per_node=2` (DDP over gloo on CPU): rank 0
writes one run folder that records both processes."""
import json, os, subprocess, sys
from pathlib import Path
from mmcl.synthetic import make_synthetic, sample_names, SKELETON_DIR
from mmcl.prepare import prepare

NB = Path(__file__).resolve().parents[1] / 'nbs' / 'train.ipynb'

def test_train_notebook_under_torchrun(tmp_path):
    names = sample_names(performers=4, replications=1, cameras=(1, 2, 3), actions=(1, 2, 3))  # 27 training samples: a batch per process
    make_synthetic(tmp_path / 'raw', names, videos=False, workers=1)
    prepare('synthetic', tmp_path / 'raw' / SKELETON_DIR, tmp_path / 'data' / 'synthetic', workers=1, progress=False)
    subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'python', str(NB), '--output-dir', str(tmp_path)],
                   check=True, capture_output=True)
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', 'train.py'],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path / 'runs' / 'synthetic-xsub-joint-seed1'
    assert json.loads((run / 'env.json').read_text())['world_size'] == 2
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert len(hist) == 4 and all('train_loss' in h for h in hist) and (run / 'skeleton.safetensors').is_file()
