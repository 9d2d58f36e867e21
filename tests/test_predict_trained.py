"""mmcl_predict with a model trained here: a short real training on two NW-UCLA actions (views 1 and 2), exported by the
training loop; then the raw json files of view 3 predicted from the command line must give exactly the probabilities
the evaluation of the prepared test split gives (the same test-time preprocessing from raw files as in training)."""
import json, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch
from mmcl.evaluate import evaluate_run, load_skeleton_model, raw_input
from mmcl.experiment import TrainParams, open_store, make_loaders, make_learner
from mmcl.learner import setup_distributed, fit
from mmcl.prepare import prepare
from mmcl.testdata import shared_path, skip_message
from mmcl.transforms import Stream

ROOT = Path(__file__).resolve().parents[1]
PREDICT = [sys.executable, '-c', 'import sys; from mmcl.evaluate import main; sys.exit(main())']  # what the mmcl_predict script runs

def test_predict_with_a_model_trained_here(tmp_path):
    ucla = shared_path('data', 'nw-ucla', 'all_sqe')
    if ucla is None: pytest.skip(skip_message('the NW-UCLA skeletons'))
    raw = tmp_path / 'raw'; raw.mkdir()
    for f in sorted(ucla.glob('a0[16]_s01_e0[0-2]_v0*.json')): (raw / f.name).symlink_to(f)  # pick up with one hand, stand up
    prepare('nwucla', raw, tmp_path / 'data' / 'nwucla', workers=1, progress=False)
    p = TrainParams(dataset='nwucla', epochs=3, lr=0.05, warmup_epochs=0, data_dir=str(tmp_path / 'data'),
                    out_dir=str(tmp_path / 'runs'), workers=0, device='cpu')
    d = setup_distributed(p.device)
    torch.manual_seed(p.seed)
    train_dl, _, test_dl = make_loaders(open_store(p.defaults, Path(p.data_dir)), p.defaults, p.benchmark, Stream.joint, p.recipe, p.seed, 0, d)
    run = Path(p.out_dir) / p.run_name
    history = fit(make_learner(p.defaults), train_dl, test_dl, p.recipe, run, d, p.record(), progress=False)
    assert history[-1]['train_loss'] < history[0]['train_loss']
    files = sorted(raw.glob('*_v03.json'))
    r = subprocess.run(PREDICT + [str(f) for f in files] + ['--model', str(run / 'skeleton.safetensors'), '--json', '--top', '2'],
                       capture_output=True, text=True, cwd=tmp_path, env={'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc['dataset'], doc['stream']) == ('nwucla', 'joint')
    scores = evaluate_run(run, 'test', workers=0)
    logits = dict(zip(scores.names.tolist(), scores.logits))
    assert len(doc['results']) == len(files) == len(logits) == 6
    model = load_skeleton_model(run / 'skeleton.safetensors').eval()
    for f, x in zip(files, doc['results']):
        expected = logits[f.stem]
        with torch.no_grad(): got = model(torch.from_numpy(raw_input(f, 'nwucla')[0])[None])[0].numpy()
        # the raw file gives the prepared store's input, up to the store's float16 rounding of the joints
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-2)
        top = torch.from_numpy(got).softmax(0).topk(2)  # the command prints what the model gives for the raw file
        assert [t['label'] for t in x['top']] == top.indices.tolist(), x
        np.testing.assert_allclose([t['probability'] for t in x['top']], top.values.numpy(), rtol=1e-5, atol=1e-6)
        assert x['true'] == ('pick up with one hand' if f.name.startswith('a01') else 'stand up')
