"""Evaluation end to end: the mmcl_predict command on real NW-UCLA files and a broken one, with a random model and with
one trained here, and the evaluation notebook with papermill on a tiny run (split, ensemble and both transfer protocols)."""
import json, subprocess, sys
from pathlib import Path
import numpy as np
import papermill as pm
import pytest
import torch
from scipy.io import savemat
from mmcl.encoder import CTRGCN
from mmcl.graph import NTU25, KINECT20
from mmcl.learner import export_skeleton, save_checkpoint, CoLearner, setup_distributed, fit
from mmcl.frm import Refiner
from mmcl.prepare import SYNTHETIC, Sample, write_store, prepare
from mmcl.evaluate import Scores, evaluate_run, load_skeleton_model, raw_input
from mmcl.experiment import TrainParams, open_store, make_loaders, make_learner
from mmcl.transforms import Stream
from mmcl.testdata import shared_path, skip_message

ROOT = Path(__file__).resolve().parents[1]
PREDICT = [sys.executable, '-c', 'import sys; from mmcl.evaluate import main; sys.exit(main())']  # what the mmcl_predict script runs

def test_predict_command_on_nwucla_files(tmp_path):
    ucla = shared_path('data', 'nw-ucla', 'all_sqe')
    if ucla is None: pytest.skip(skip_message('the NW-UCLA skeletons'))
    torch.manual_seed(0)
    export_skeleton(CTRGCN(10, KINECT20, 1), tmp_path / 'skeleton.safetensors')  # no params.json: the dataset comes from the shape
    (tmp_path / 'a01_s01_e00_v01.json').write_text('{"file_name": "a01_s01_e00_v01"')  # truncated json
    files = [ucla / 'a01_s01_e00_v01.json', tmp_path / 'a01_s01_e00_v01.json', ucla / 'a12_s10_e04_v03.json']
    r = subprocess.run(PREDICT + [str(f) for f in files] + ['--model', str(tmp_path / 'skeleton.safetensors'), '--json', '--top', '3'],
                       capture_output=True, text=True, cwd=tmp_path, env={'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 1, r.stderr
    assert r.stderr.count('\n') == 1 and r.stderr.startswith(f'mmcl_predict: error: {files[1]}: not valid json'), r.stderr
    doc = json.loads(r.stdout)
    assert (doc['dataset'], doc['stream']) == ('nwucla', 'joint')
    ok = [x for x in doc['results'] if 'top' in x]
    assert [x['true'] for x in ok] == ['pick up with one hand', 'carry'] and all(len(x['top']) == 3 for x in ok)

def test_predict_with_a_model_trained_here(tmp_path):
    """mmcl_predict with a model trained here: a short real training on two NW-UCLA actions (views 1 and 2), exported by the training loop; then the raw json files of view 3 predicted from the command line must give exactly the probabilities the evaluation of the prepared test split gives (the same test-time preprocessing from raw files as in training)."""
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

def test_predict_command_refuses_a_missing_model(tmp_path):
    r = subprocess.run(PREDICT + ['x.skeleton', '--model', str(tmp_path / 'none.safetensors')], capture_output=True, text=True,
                       env={'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 2 and r.stderr.startswith('mmcl_predict: error: ') and 'Traceback' not in r.stderr

def _walk(T, M, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, .3, (1, M, 25, 3)) + rng.normal(0, .01, (T, M, 25, 3)).cumsum(0)).astype(np.float32)

def _tiny_run(tmp_path):
    "A 24-sample synthetic store and a run folder holding a random model."
    samples = [Sample(f'S001C00{1 + i % 3}P00{1 + i % 4}R00{1 + i // 12}A{1 + i % 12:03d}', _walk(20 + i, 1 + i % 2, i), i % 12,
                      dict(setup=1, camera=1 + i % 3, performer=1 + i % 4, replication=1 + i // 12, action=1 + i % 12)) for i in range(24)]
    write_store(SYNTHETIC, samples, tmp_path / 'data' / 'synthetic')
    run = tmp_path / 'run'; run.mkdir()
    torch.manual_seed(0)
    export_skeleton(CTRGCN(12, NTU25, 2), run / 'skeleton.safetensors')
    (run / 'params.json').write_text(json.dumps(dict(dataset='synthetic', benchmark='xsub', stream='joint', window=32, seed=1)))
    return run

def test_evaluate_notebook_on_a_run_with_ensemble_and_transfer(tmp_path):
    run = _tiny_run(tmp_path)
    rng = np.random.default_rng(0)
    names, labels = [f's{i}' for i in range(50)], rng.integers(0, 4, 50)
    for part in ('test', 'val'):
        for k, noise in enumerate((0.5, 0.7, 1.0, 2.0)):
            Scores(names, np.eye(4)[labels] + rng.normal(0, noise, (50, 4)), labels).save(tmp_path / f'{part}{k}.npz')
    utd = tmp_path / 'utd'; utd.mkdir()
    for a in (3, 6, 27, 1):
        savemat(utd / f'a{a}_s1_t1_skeleton.mat', {'d_skel': rng.normal(0, .3, (20, 3, 40))})
    ntu = CTRGCN(120, NTU25, 2)
    export_skeleton(ntu, tmp_path / 'ntu120.safetensors')
    save_checkpoint({'model': CoLearner(ntu, None, Refiner(4, 120)).state_dict()}, tmp_path / 'checkpoint.pt')
    np.save(tmp_path / 'utd_features.npy', rng.normal(size=(3, 4)).astype(np.float32))
    np.savetxt(tmp_path / 'sysu0.txt', rng.normal(size=(30, 60)))
    (tmp_path / 'sysu.txt').write_text(f"{tmp_path / 'sysu0.txt'} 0\n")
    pm.execute_notebook(str(ROOT / 'nbs' / 'evaluate.ipynb'), str(tmp_path / 'out.ipynb'), kernel_name='python3', cwd=str(tmp_path),
                        progress_bar=False, parameters=dict(
                            run_dir=str(run), data_dir=str(tmp_path / 'data'),
                            ensemble=','.join(str(tmp_path / f'test{k}.npz') for k in range(4)),
                            ensemble_val=','.join(str(tmp_path / f'val{k}.npz') for k in range(4)),
                            transfer_model=str(tmp_path / 'ntu120.safetensors'), refiner_checkpoint=str(tmp_path / 'checkpoint.pt'),
                            utd_mhad_dir=str(utd), utd_mhad_features=str(tmp_path / 'utd_features.npy'), sysu_list=str(tmp_path / 'sysu.txt')))
    scores = Scores.load(run / 'scores-test.npz')
    assert len(scores) == 6 and scores.num_class == 12  # performer 3 of 1..4 is the xsub test subject
    report = json.loads((run / 'evaluation-test.json').read_text())
    assert report['samples'] == 6 and len(report['confusion']) == 12 and (run / 'confusion-test.png').is_file()
    rows = json.loads((run / 'ensembles.json').read_text())
    assert [r['what'] for r in rows] == ['test0', 'test1', 'test2', 'test3', 'equal', 'CTR-GCN (0.6, 0.6, 0.4, 0.4)',
                                         'PYSKL (2:2:1:1)', 'fitted on validation']
    assert Scores.load(run / 'transfer-UTD-MHAD.npz').labels.tolist() == [22, 95, 79]
    assert Scores.load(run / 'transfer-SYSU.npz').labels.tolist() == [0]
    tables = json.loads((run / 'transfer.json').read_text())
    assert [r['method'] for r in tables['UTD-MHAD']] == ['w/o refine', 'w/ refine']  # features given: refined too
    assert [r['method'] for r in tables['SYSU']] == ['w/o refine']  # no SYSU features: not refined
