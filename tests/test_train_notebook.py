"""The training driver end to end with papermill: it learns on a small synthetic store, talks to the terminal it was
started from, lists its parameters without warnings, and fails before any work, with the prepare command, when the
dataset has not been prepared, or at once on a bad parameter value."""
import json, os, re, subprocess, sys
from dataclasses import fields
from pathlib import Path
import papermill as pm
import pytest
from mmcl.synthetic import make_synthetic, sample_names, SKELETON_DIR
from mmcl.prepare import prepare
from mmcl.data import PreparedStore
from mmcl.rgbcache import cache_crops
from mmcl.features import FeatureWriter, store_meta, block_parts
from mmcl.synthetic import RGB_DIR
from mmcl.experiment import TrainParams, DEFAULTS, split_indices
from mmcl.learner import load_checkpoint_file
from mmcl.encoder import CTRGCN, load_checkpoint
import numpy as np

NB = Path(__file__).resolve().parents[1] / 'nbs' / 'train.ipynb'

def _run(tmp_path, **params):
    return pm.execute_notebook(str(NB), str(tmp_path / 'out.ipynb'), parameters=params, kernel_name='python3',
                               cwd=str(tmp_path), progress_bar=False)

def _papermill(*args, cwd):
    "papermill's command line, as a newcomer types it (its `-p` turns '3' into an int, 'False' into a bool)."
    env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}  # else ipykernel leaves fds 1 and 2 uncaptured
    return subprocess.run([sys.executable, '-m', 'papermill', *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)

def test_parameters_listed_with_types_and_no_warning():
    out = _papermill('--help-notebook', str(NB), cwd=NB.parent)
    assert out.returncode == 0 and 'Unable to parse' not in out.stdout + out.stderr and 'WARNING' not in out.stdout + out.stderr
    listed = dict(re.findall(r'^  (\w+): (\w+) \(default', out.stdout, re.M))
    assert listed == {f.name: f.type.__name__ for f in fields(TrainParams)}  # every parameter, typed, in step with TrainParams
    defaults = dict(re.findall(r"^  (\w+): \w+ \(default (.*?)\)", out.stdout, re.M))
    assert {k: eval(v) for k, v in defaults.items()} == {f.name: f.default for f in fields(TrainParams)}

def test_train_notebook_learns_on_synthetic(tmp_path):
    names = sample_names(performers=5, replications=1, cameras=(1, 2), actions=(1, 2, 3, 4))  # performer 3 is the test subject
    make_synthetic(tmp_path / 'raw', names, videos=False, workers=2)
    prepare('synthetic', tmp_path / 'raw' / SKELETON_DIR, tmp_path / 'data' / 'synthetic', workers=2, progress=False)
    out = _papermill(str(NB), 'out.ipynb', '-p', 'epochs', '3', '-p', 'batch_size', '8', '-p', 'lr', '0.05', '-p', 'workers', '0',
                     '-p', 'milestones', '2', '-p', 'fam', 'False', '-p', 'val_fraction', '0.25', cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    run = tmp_path / 'runs' / 'synthetic-xsub-joint-seed1'
    # the terminal: no parameter warnings; one line per epoch; the result, the run folder and the evaluate command
    terminal = out.stderr
    assert 'Unable to parse' not in terminal and 'unknown parameter' not in terminal
    assert [terminal.count(f'epoch {e}/3: train loss') for e in (1, 2, 3)] == [1, 1, 1], terminal
    assert 'result (last epoch, 3): test top-1' in terminal and 'validation top-1' in terminal
    assert f'run folder: runs/synthetic-xsub-joint-seed1' in terminal
    assert 'evaluate it: papermill nbs/evaluate.ipynb eval.ipynb -p run_dir runs/synthetic-xsub-joint-seed1' in terminal
    # what it learned, 0-based epochs in metrics.jsonl
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert [h['epoch'] for h in hist] == [0, 1, 2] and hist[-1]['train_loss'] < hist[0]['train_loss']
    # the split is held out by subject and can be rebuilt from params.json
    params = json.loads((run / 'params.json').read_text())
    assert (params['val_fraction'], params['val_seed'], params['milestones'], params['recipe']['milestones']) == (0.25, 1, '2', [2])
    store = PreparedStore(tmp_path / params['data_dir'] / params['dataset'])
    parts = split_indices(store, DEFAULTS[params['dataset']], params['benchmark'], params['val_fraction'], params['val_seed'])
    subject = store.index['meta_performer']
    assert len(set(subject[parts['val']])) == 1 and not set(subject[parts['val']]) & set(subject[parts['train']])
    assert f"training synthetic-xsub-joint-seed1: {len(parts['train'])} training / {len(parts['val'])} validation / {len(parts['test'])} test" in terminal, terminal
    # the executed notebook: a few lines per epoch (no progress-bar refreshes, no widget warning), every epoch in the table
    nb = json.loads((tmp_path / 'out.ipynb').read_text())
    outputs = [o for c in nb['cells'] for o in c.get('outputs', [])]
    streams = ''.join(''.join(o['text']) for o in outputs if o['output_type'] == 'stream')
    assert 'TqdmWarning' not in streams and not any(o.get('name') == 'stderr' for o in outputs)
    assert len(streams.splitlines()) <= 3 + 3 + 3
    table = ''.join(''.join(o['data']['text/markdown']) for o in outputs if 'text/markdown' in o.get('data', {}))
    assert [f'\n| {e} |' in table for e in (1, 2, 3)] == [True] * 3 and '| 3 |' in table.splitlines()[-1] and 'last' in table.splitlines()[-1]
    assert hist[-1]['train_top1'] > 2 * 0.25  # twice chance over the 4 classes present
    assert all((run / f).is_file() for f in ('skeleton.safetensors', 'env.json', 'params.json', 'curves.png'))
    assert (params['dataset'], params['stream'], params['recipe']['epochs'], params['recipe']['lr'], params['recipe']['batch_size']) == ('synthetic', 'joint', 3, 0.05, 8)
    assert json.loads((run / 'env.json').read_text())['world_size'] == 1
    state = load_checkpoint_file(run / 'checkpoint.pt')  # weights-only
    assert state['epoch'] == 2 and json.loads(state['run']) == params and [json.loads(h) for h in state['history']] == hist
    deployed, trained = CTRGCN.from_checkpoint(run / 'skeleton.safetensors'), load_checkpoint(run / 'checkpoint.pt')
    assert deployed.num_class == 12 and all((v == trained[k]).all() for k, v in deployed.state_dict().items())

def test_missing_dataset_fails_with_the_prepare_command(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e: _run(tmp_path, dataset='ntu120')
    assert 'no prepared store' in str(e.value) and 'mmcl_prepare ntu120 --raw' in str(e.value)
    assert not (tmp_path / 'runs').exists()

@pytest.mark.parametrize('name, value, message', [('stream', 'velocity', "stream='velocity' is not allowed"),
                                                   ('device', 'gpu', "device='gpu' is not a device"),
                                                   ('milestones', 9, "milestones='9': each must be an epoch in 1..4")])
def test_bad_parameter_fails_naming_it_before_any_work(tmp_path, name, value, message):
    with pytest.raises(pm.PapermillExecutionError) as e: _run(tmp_path, **{name: value})
    assert message in str(e.value)
    assert not (tmp_path / 'data').exists()  # the synthetic dataset was not generated

def test_train_notebook_with_fam_and_frm(tmp_path):
    names = sample_names(performers=4, replications=1, cameras=(1, 2), actions=(7, 8))  # the cup / apple pair
    make_synthetic(tmp_path / 'raw', names, workers=2)
    store_dir = tmp_path / 'data' / 'synthetic'
    prepare('synthetic', tmp_path / 'raw' / SKELETON_DIR, store_dir, workers=2, progress=False)
    store = PreparedStore(store_dir)
    cache_crops(store, tmp_path / 'raw' / RGB_DIR, store_dir / 'rgb', workers=2, progress=False)
    writer = FeatureWriter(store_dir / 'describe', store_meta('test', ['whether the people are holding objects?'], block_parts(2)))
    feats = np.random.default_rng(0).normal(size=(len(store), 3)).astype(np.float32)
    writer.append([str(n) for n in store.names], feats, [['yes']] * len(store))
    _run(tmp_path, epochs=2, batch_size=4, fam=True, frm=True, rgb_encoder='resnet18', rgb_size=64, workers=0)
    run = tmp_path / 'runs' / 'synthetic-xsub-joint-fam-frm-seed1'
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert all('train_fam' in h and 'train_frm' in h for h in hist)
    from safetensors.torch import load_file
    assert not any(k.startswith(('fam', 'refiner', 'rgb')) for k in load_file(str(run / 'skeleton.safetensors')))
