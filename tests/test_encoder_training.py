"The encoder learns: a few optimiser steps fit a tiny batch, and a saved checkpoint reproduces the trained model."
import torch
from mmcl.graph import KINECT20
from mmcl.encoder import CTRGCN

def test_encoder_fits_a_tiny_batch_and_round_trips(tmp_path):
    torch.manual_seed(0)
    model = CTRGCN(num_class=4, layout=KINECT20, num_person=1)
    x = torch.randn(8, 3, 16, 20, 1)
    x[4:] += torch.linspace(-1, 1, 16)[None, None, :, None, None]  # two visibly different motions
    y = torch.tensor([0, 1, 2, 3] * 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=4e-4)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward(); opt.step(); losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
    assert model.l1.gcn1.alpha.abs().item() > 0  # the topology refinement is being learned
    model.eval()
    torch.save({'model': {f'module.{k}': v for k, v in model.state_dict().items()}}, tmp_path / 'ckpt.pt')
    loaded = CTRGCN.from_checkpoint(tmp_path / 'ckpt.pt').eval()
    with torch.no_grad(): torch.testing.assert_close(loaded(x), model(x))
