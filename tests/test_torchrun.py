"""The training notebook's own code trains under `torchrun --nproc_per_node=2` (DDP over gloo on CPU): rank 0
writes one run folder that records both processes, its metrics count every test sample once, the schedule is the
recorded recipe's, the model learns, and the export is the checkpoint's encoder."""
import json, os, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from mmcl.synthetic import make_synthetic, sample_names, SKELETON_DIR
from mmcl.prepare import prepare
from mmcl.data import PreparedStore
from mmcl.encoder import CTRGCN, load_checkpoint
from mmcl.learner import Recipe, Dist, evaluate, load_checkpoint_file
from mmcl.experiment import dataset_defaults, open_store, make_loaders
from mmcl.transforms import Stream

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
    params = json.loads((run / 'params.json').read_text())
    recipe = Recipe(**{**params['recipe'], 'milestones': tuple(params['recipe']['milestones'])})
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert [h['epoch'] for h in hist] == list(range(recipe.epochs))
    for h in hist: assert abs(h['lr'] - recipe.lr * recipe.lr_factor(h['epoch'])) < 1e-12
    assert hist[-1]['train_loss'] < hist[0]['train_loss']
    n_test = len(PreparedStore(tmp_path / 'data' / 'synthetic').split('xsub_test'))
    for h in hist:  # counts summed over both processes: every test sample counted exactly once
        for k in ('test_top1', 'test_top5'): assert abs(h[k] * n_test - round(h[k] * n_test)) < 1e-9, (k, h[k], n_test)
        assert h['test_top1'] <= h['test_top5'] <= 1
    state = load_checkpoint_file(run / 'checkpoint.pt')
    assert state['epoch'] == recipe.epochs - 1 and json.loads(state['run']) == params
    export, trained = load_file(str(run / 'skeleton.safetensors')), load_checkpoint(run / 'checkpoint.pt')
    assert export.keys() == trained.keys() and all(torch.equal(export[k], trained[k]) for k in export)
    # the two processes' summed test metrics are those of the deployed model on the whole test split, in one process
    defaults, benchmark = dataset_defaults('synthetic', '')
    store = open_store(defaults, tmp_path / 'data', 0)
    _, _, test_dl = make_loaders(store, defaults, benchmark, Stream('joint'), recipe, params['seed'], 0, Dist())
    alone = evaluate(CTRGCN.from_checkpoint(run / 'skeleton.safetensors'), test_dl, Dist())
    assert len(test_dl.dataset) == n_test and alone['test_top1'] == hist[-1]['test_top1'] and alone['test_top5'] == hist[-1]['test_top5']
    assert abs(alone['test_loss'] - hist[-1]['test_loss']) < 1e-5 * max(1, abs(alone['test_loss']))  # float32 batch sums in another order
