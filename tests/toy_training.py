"""A tiny training job for the resume and DDP tests (run as a script or imported): deterministic given its seeds,
and its augmentation draws from Python's, NumPy's and torch's global generators, so that a resumed run matches an
uninterrupted one only if the checkpoint restores all three.
Usage: python tests/toy_training.py RUN_DIR EPOCHS   (prints 'trained epoch N' after each epoch it trains)"""
import random, sys
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler
from mmcl.graph import KINECT20
from mmcl.encoder import CTRGCN
from mmcl.frm import Refiner
from mmcl.learner import CoLearner, Recipe, Dist, fit

def toy_data(n: int = 48, seed: int = 0, frames: int = 8) -> list:
    "Four classes of short 20-joint sequences that differ by drift direction; a 2-d feature per sample."
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 4
    drift = torch.linspace(-1, 1, frames)[None, :, None, None]
    x = 0.3 * torch.randn(n, 3, frames, 20, 1, generator=g)
    for c in range(4): x[y == c, c % 3] += (1 if c < 3 else -1) * drift
    f = torch.nn.functional.one_hot(y % 2, 2).float()
    return [{'x': x[i], 'y': y[i], 'feature': f[i]} for i in range(n)]

class Jittered(Dataset):
    "Samples with noise whose scale comes from Python's and NumPy's generators and whose values come from torch's."
    def __init__(self, samples: list): self.samples = samples
    def __len__(self): return len(self.samples)
    def __getitem__(self, i):
        s = self.samples[i]
        scale = 0.1 * random.random() + 0.1 * np.random.rand()
        return {**s, 'x': s['x'] + scale * torch.randn_like(s['x'])}

def run(run_dir: Path, epochs: int, d: Dist = Dist(), batch_size: int = 8, on_epoch=None,
        noise_seed: int = 0 # seeds Python's and NumPy's generators (torch's is seeded 0: the initial weights)
       ) -> CoLearner:
    random.seed(noise_seed); np.random.seed(noise_seed); torch.manual_seed(0)
    learner = CoLearner(CTRGCN(4, KINECT20, 1), refiner=Refiner(2, 4))
    train, test = Jittered(toy_data()), toy_data(16, seed=1)
    sampler = DistributedSampler(train, num_replicas=d.world_size, rank=d.rank, shuffle=True, seed=0)
    train_loader = DataLoader(train, batch_size=batch_size // d.world_size, sampler=sampler)
    test_loader = DataLoader(test, batch_size=8, sampler=DistributedSampler(test, d.world_size, d.rank, shuffle=False))
    recipe = Recipe(epochs=epochs, batch_size=batch_size, lr=0.05, warmup_epochs=1, milestones=(epochs - 1,))
    fit(learner, train_loader, test_loader, recipe, run_dir, d, params={'job': 'toy'}, progress=False, on_epoch=on_epoch)
    return learner

if __name__ == '__main__':
    torch.set_num_threads(1)
    run(Path(sys.argv[1]), int(sys.argv[2]), on_epoch=lambda m: print(f"trained epoch {m['epoch']}", flush=True))
