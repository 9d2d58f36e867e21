"""Guards of the co-learning wiring, on tiny data in seconds: FAM's loss reaches the skeleton encoder, the FRM refiner
learns to use the instructive features, each module changes what the encoder learns, and the inference export holds
the skeleton encoder alone."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from safetensors.torch import load_file
from mmcl.graph import KINECT20
from mmcl.encoder import CTRGCN
from mmcl.fam import FAM
from mmcl.frm import Refiner
from mmcl.learner import CoLearner, Recipe, fit

N, K, FEATURE = 8, 4, 3

class TinyRGB(nn.Module):
    "A stand-in RGB encoder: 3×8×8 images → 16 features."
    out_dim = 16
    def __init__(self): super().__init__(); self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 16))
    def forward(self, images): return self.net(images)

def _batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(N) % K
    x = 0.3 * torch.randn(N, 3, 8, 20, 1, generator=g) + y[:, None, None, None, None] * torch.linspace(-1, 1, 8)[None, None, :, None, None]
    return {'x': x, 'y': y, 'image': torch.randn(N, 3, 8, 8, generator=g), 'feature': torch.randn(N, FEATURE, generator=g)}

def _learner(fam: bool, frm: bool) -> CoLearner:
    torch.manual_seed(0)
    encoder = CTRGCN(K, KINECT20, 1)  # built first: the same initial encoder whichever modules follow
    return CoLearner(encoder, FAM(TinyRGB(), dim=256) if fam else None, Refiner(FEATURE, K) if frm else None)

def _train(learner: CoLearner, steps: int = 3) -> CoLearner:
    opt = torch.optim.SGD(learner.parameters(), lr=0.05, momentum=0.9)
    batch = _batch()
    for _ in range(steps):
        opt.zero_grad(); learner(batch)['loss'].backward(); opt.step()
    return learner

def test_fam_loss_gradient_reaches_the_skeleton_encoder():
    learner = _learner(fam=True, frm=False)
    learner(_batch())['fam'].backward()
    grads = {k: p.grad for k, p in learner.encoder.named_parameters()}
    reached = {k for k, g in grads.items() if g is not None and g.abs().sum() > 0}
    assert {'data_bn.weight', 'l1.gcn1.convs.0.conv3.weight', 'l10.tcn1.branches.0.0.weight'} <= reached
    assert not {'fc.weight', 'fc.bias'} & reached  # the aligned feature is the pooled one, before the classifier
    assert all(any(k.startswith(f'l{i}.') for k in reached) for i in range(1, 11))  # every unit of the encoder

def test_refiner_output_depends_on_the_features_after_a_few_steps():
    learner = _learner(fam=False, frm=True)
    logits = torch.randn(N, K)
    f1, f2 = torch.randn(N, FEATURE), torch.randn(N, FEATURE)
    with torch.no_grad(): torch.testing.assert_close(learner.refiner(logits, f1), learner.refiner(logits, f2))  # at init: w = 1
    _train(learner)
    with torch.no_grad(): assert not torch.allclose(learner.refiner(logits, f1), learner.refiner(logits, f2))

def test_turning_either_module_off_changes_the_trained_encoder():
    trained = {(fam, frm): _train(_learner(fam, frm)).encoder.state_dict() for fam, frm in ((False, False), (True, False), (False, True))}
    plain = trained[False, False]
    for modules in ((True, False), (False, True)):
        assert any(not torch.equal(v, trained[modules][k]) for k, v in plain.items()), f'(fam, frm)={modules} trained the same encoder as neither'

def test_inference_export_holds_no_fam_or_frm_weights(tmp_path):
    learner = _learner(fam=True, frm=True)
    b = _batch()
    data = [{k: v[i] for k, v in b.items()} for i in range(N)]
    fit(learner, DataLoader(data, batch_size=4), DataLoader(data, batch_size=4), Recipe(epochs=1, batch_size=4, lr=0.01, warmup_epochs=0),
        tmp_path, progress=False)
    assert any(k.startswith('fam.') for k in learner.state_dict()) and any(k.startswith('refiner.') for k in learner.state_dict())
    export = load_file(str(tmp_path / 'skeleton.safetensors'))
    assert set(export) == set(learner.encoder.state_dict())
    assert not any(k.startswith(('fam', 'refiner', 'rgb', 'projection', 'encoder.')) or k in ('pos', 'neg') for k in export)
