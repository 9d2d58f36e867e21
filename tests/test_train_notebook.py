"""The training driver end to end with papermill: it learns on a small synthetic store, and it fails before any work,
with the prepare command, when the dataset has not been prepared, or at once on a bad parameter value."""
import json
from pathlib import Path
import papermill as pm
import pytest
from mmcl.synthetic import make_synthetic, sample_names, SKELETON_DIR
from mmcl.prepare import prepare
from mmcl.data import PreparedStore
from mmcl.rgbcache import cache_crops
from mmcl.describe import FeatureWriter, store_meta, block_parts
from mmcl.synthetic import RGB_DIR
import numpy as np

NB = Path(__file__).resolve().parents[1] / 'nbs' / 'train.ipynb'

def _run(tmp_path, **params):
    return pm.execute_notebook(str(NB), str(tmp_path / 'out.ipynb'), parameters=params, kernel_name='python3',
                               cwd=str(tmp_path), progress_bar=False)

def test_train_notebook_learns_on_synthetic(tmp_path):
    names = sample_names(performers=4, replications=1, cameras=(1, 2), actions=(1, 2, 3, 4))
    make_synthetic(tmp_path / 'raw', names, videos=False, workers=2)
    prepare('synthetic', tmp_path / 'raw' / SKELETON_DIR, tmp_path / 'data' / 'synthetic', workers=2, progress=False)
    _run(tmp_path, epochs=3, batch_size=8, lr=0.05, workers=0)
    run = tmp_path / 'runs' / 'synthetic-xsub-joint-seed1'
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert [h['epoch'] for h in hist] == [0, 1, 2] and hist[-1]['train_loss'] < hist[0]['train_loss']
    assert hist[-1]['train_top1'] > 2 * 0.25  # twice chance over the 4 classes present
    assert all((run / f).is_file() for f in ('skeleton.safetensors', 'env.json', 'params.json', 'curves.png'))
    params = json.loads((run / 'params.json').read_text())  # the driver's parameters and the recipe it ran
    assert (params['dataset'], params['stream'], params['recipe']['epochs'], params['recipe']['lr'], params['recipe']['batch_size']) == ('synthetic', 'joint', 3, 0.05, 8)
    assert json.loads((run / 'env.json').read_text())['world_size'] == 1
    from mmcl.learner import load_checkpoint_file
    from mmcl.encoder import CTRGCN, load_checkpoint
    state = load_checkpoint_file(run / 'checkpoint.pt')  # weights-only
    assert state['epoch'] == 2 and json.loads(state['run']) == params and [json.loads(h) for h in state['history']] == hist
    deployed, trained = CTRGCN.from_checkpoint(run / 'skeleton.safetensors'), load_checkpoint(run / 'checkpoint.pt')
    assert deployed.num_class == 12 and all((v == trained[k]).all() for k, v in deployed.state_dict().items())

def test_missing_dataset_fails_with_the_prepare_command(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e: _run(tmp_path, dataset='ntu120')
    assert 'no prepared store' in str(e.value) and 'mmcl_prepare ntu120 --raw' in str(e.value)
    assert not (tmp_path / 'runs').exists()

def test_bad_parameter_fails_naming_it(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e: _run(tmp_path, stream='velocity')
    assert "stream='velocity' is not allowed" in str(e.value)

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
