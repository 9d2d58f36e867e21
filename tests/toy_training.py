"""A tiny, fully deterministic training job for the resume and DDP tests (run as a script or imported).
Usage: python tests/toy_training.py RUN_DIR EPOCHS"""
import sys
from pathlib import Path
import torch
from torch.utils.data import DataLoader, DistributedSampler
from mmcl.graph import KINECT20
from mmcl.encoder import CTRGCN
from mmcl.frm import Refiner
from mmcl.learner import CoLearner, Recipe, Dist, fit

def toy_data(n: int = 96, seed: int = 0) -> list:
    "Four classes of 16-frame, 20-joint sequences that differ by drift direction; a 2-d feature per sample."
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 4
    drift = torch.linspace(-1, 1, 16)[None, :, None, None]
    x = 0.3 * torch.randn(n, 3, 16, 20, 1, generator=g)
    for c in range(4): x[y == c, c % 3] += (1 if c < 3 else -1) * drift
    f = torch.nn.functional.one_hot(y % 2, 2).float()
    return [{'x': x[i], 'y': y[i], 'feature': f[i]} for i in range(n)]

def run(run_dir: Path, epochs: int, d: Dist = Dist(), batch_size: int = 8) -> list:
    torch.manual_seed(0)
    learner = CoLearner(CTRGCN(4, KINECT20, 1), refiner=Refiner(2, 4))
    train, test = toy_data(), toy_data(32, seed=1)
    sampler = DistributedSampler(train, num_replicas=d.world_size, rank=d.rank, shuffle=True, seed=0)
    train_loader = DataLoader(train, batch_size=batch_size // d.world_size, sampler=sampler)
    test_loader = DataLoader(test, batch_size=8, sampler=DistributedSampler(test, d.world_size, d.rank, shuffle=False))
    recipe = Recipe(epochs=epochs, batch_size=batch_size, lr=0.05, warmup_epochs=1, milestones=(epochs - 1,))
    fit(learner, train_loader, test_loader, recipe, run_dir, d, params={'job': 'toy'}, progress=False)
    return learner

if __name__ == '__main__':
    torch.set_num_threads(1)
    run(Path(sys.argv[1]), int(sys.argv[2]))
