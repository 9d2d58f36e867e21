#!/usr/bin/env python
"""The co-learning effect on the synthetic dataset: train the skeleton-only baseline and MMCL (FAM + FRM) with the
same seed, recipe and budget, then print skeleton-only test accuracy for both, overall and on the classes that
differ only by a held object. Prepares what it needs (data/synthetic, its RGB crops, its instructive features)
once. Usage: python benchmarks/colearning.py [--epochs 4] [--seeds 1] [--rgb-encoder resnet18 --rgb-size 64]"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from mmcl.synthetic import make_synthetic, OBJECT_PAIRS, CLASS_NAMES, RGB_DIR, SKELETON_DIR
from mmcl.prepare import prepare
from mmcl.rgbcache import cache_crops
from mmcl.synthetic_answerer import synthetic_features
from mmcl.transforms import Stream
from mmcl.learner import fit
from mmcl.experiment import (DEFAULTS, open_store, make_recipe, make_loaders, make_rgb_encoder, make_learner,
                             co_learning_inputs)

def ensure_inputs(data: Path, workers: int):
    "Generate, prepare, crop and describe the synthetic dataset unless already done."
    raw, store = data / 'raw' / 'synthetic', data / 'synthetic'
    make_synthetic(raw, workers=workers)
    if not (store / 'store.json').is_file(): prepare('synthetic', raw / SKELETON_DIR, store, workers=workers)
    cache_crops(store, raw / RGB_DIR, store / 'rgb', workers=workers)
    if not (store / 'describe' / 'meta.json').is_file(): synthetic_features(raw, store / 'describe', workers=workers)
    return json.loads((store / 'describe' / 'answerer.json').read_text())

@torch.no_grad()
def per_class_accuracy(encoder, loader, num_class: int) -> np.ndarray:
    "Skeleton-only top-1 per class on `loader`."
    encoder.eval(); hit, n = np.zeros(num_class), np.zeros(num_class)
    for x, y, _ in loader:
        pred = encoder(x).argmax(1)
        np.add.at(n, y.numpy(), 1); np.add.at(hit, y.numpy(), (pred == y).numpy())
    return hit / np.maximum(n, 1)

def train(data: Path, out: Path, seed: int, epochs: int, co_learn: bool, rgb_encoder: str, rgb_size: int, workers: int):
    d = DEFAULTS['synthetic']
    store, recipe = open_store(d, data), make_recipe(d, epochs)
    torch.manual_seed(seed)
    rgb = make_rgb_encoder(rgb_encoder, size=rgb_size) if co_learn else None
    images, features = co_learning_inputs(d, data, rgb, co_learn)
    train_dl, _, test_dl = make_loaders(store, d, 'xsub', Stream.joint, recipe, seed, workers, images=images, features=features)
    learner = make_learner(d, rgb, features.dim if co_learn else 0)
    t0 = time.perf_counter()
    hist = fit(learner, train_dl, test_dl, recipe, out / f"{'mmcl' if co_learn else 'baseline'}-seed{seed}", progress=False)
    return hist, per_class_accuracy(learner.encoder, test_dl, d.spec.num_class), time.perf_counter() - t0

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', type=Path, default=Path('data'))
    ap.add_argument('--out', type=Path, default=Path('runs/colearning'))
    ap.add_argument('--epochs', type=int, default=0, help='0 = the synthetic recipe (4)')
    ap.add_argument('--seeds', type=int, nargs='+', default=[1])
    ap.add_argument('--rgb-encoder', default='resnet18', help='FAM image encoder (the paper: inception_v3, slow on CPU)')
    ap.add_argument('--rgb-size', type=int, default=64)
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    answerer = ensure_inputs(a.data, a.workers)
    print(f"instructive features: held-object stand-in, answer accuracy {answerer['accuracy']}")
    pairs = [c - 1 for pair in OBJECT_PAIRS for c in pair]
    print(f"object-pair classes: {', '.join(CLASS_NAMES[c] for c in pairs)}\n")
    print('| run | seed | epochs | overall top-1 % | object-pair classes top-1 % | other classes top-1 % | minutes |')
    print('|---|---|---|---|---|---|---|')
    for seed in a.seeds:
        for co_learn in (False, True):
            hist, acc, secs = train(a.data, a.out, seed, a.epochs, co_learn, a.rgb_encoder, a.rgb_size, a.workers)
            others = [c for c in range(len(acc)) if c not in pairs]
            print(f"| {'MMCL (FAM+FRM)' if co_learn else 'skeleton only'} | {seed} | {len(hist)} | {100 * hist[-1]['test_top1']:.1f} | "
                  f"{100 * acc[pairs].mean():.1f} | {100 * acc[others].mean():.1f} | {secs / 60:.1f} |", flush=True)

if __name__ == '__main__': main()
