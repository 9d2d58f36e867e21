#!/usr/bin/env python
"""The checks behind the co-learning ablation's design (benchmarks/README.md, colearning.py section), each small:

1. probe: is the held object's grip in the skeleton? A logistic regression on wrist-angle statistics, trained on the
   cross-subject training performers, tested on the others, for several object cues.
2. crops: does FAM's input show the object? Pixels that differ between the cup and the apple version of the same
   skeleton at 64 and 160 px, and how far apart a random ResNet-18 puts the two, relative to other samples.
3. refiner: does FRM's refiner learn to use a perfect feature (one-hot of the held object) over skeleton scores that
   cannot tell the pairs apart, with the synthetic recipe's optimiser, in a given number of steps?
(FAM's gradient share is measured in every ablation run: `colearning.py` records it in each result.)

Usage: python benchmarks/colearning_checks.py [probe] [crops] [refiner]   (all three by default; seconds to a minute)"""
import sys, tempfile
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from mmcl.synthetic import ACTIONS, J, OBJECT_PAIRS, TRAIN_PERFORMERS, make_synthetic, sample_names, synthesize
from mmcl.sources import parse_ntu_name

def wrist_statistics(xyz: np.ndarray # (F, 25, 3) joints of the first body
                    ) -> np.ndarray:
    "Median and 10th/90th percentiles of the wrist bend and of the hand's tilt out of the arm's plane."
    tip = xyz[:, J['right hand tip']] - xyz[:, J['right wrist']]
    forearm = xyz[:, J['right elbow']] - xyz[:, J['right wrist']]
    normal = np.cross(xyz[:, J['right shoulder']] - xyz[:, J['right elbow']], xyz[:, J['right wrist']] - xyz[:, J['right elbow']])
    def cos(a, b): return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    bend, tilt = cos(forearm, tip), cos(normal, tip)
    return np.array([f(v) for v in (bend, tilt) for f in (np.median, lambda u: np.percentile(u, 90), lambda u: np.percentile(u, 10))])

def logistic_accuracy(X, y, train) -> float:
    "Test accuracy of an L2-regularised logistic regression fitted by gradient descent on the standardised `X[train]`."
    Z = (X - X[train].mean(0)) / (X[train].std(0) + 1e-9); Z = np.c_[Z, np.ones(len(Z))]
    w = np.zeros(Z.shape[1])
    for _ in range(3000): w -= 0.1 * (Z[train].T @ (1 / (1 + np.exp(-Z[train] @ w)) - y[train]) / train.sum() + 1e-3 * w)
    return float(((Z[~train] @ w > 0) == y[~train]).mean())

def probe(cues=(0, 0.15, 0.3, 0.6)):
    for cue in cues:
        acc = []
        for pair in OBJECT_PAIRS:
            names = sample_names(actions=pair)
            X = np.array([wrist_statistics(synthesize(n, object_cue=cue).bodies[0].joints[..., :3]) for n in names])
            y = np.array([parse_ntu_name(n)['action'] == pair[0] for n in names])
            train = np.array([parse_ntu_name(n)['performer'] in TRAIN_PERFORMERS for n in names])
            acc.append(logistic_accuracy(X, y, train))
        print(f'object cue {cue}: cross-subject probe accuracy per pair {OBJECT_PAIRS}: ' + ', '.join(f'{100 * a:.0f}%' for a in acc))

def crops():
    from PIL import Image
    from mmcl.experiment import make_rgb_encoder
    from mmcl.synthetic_answerer import spliced_image
    names = [f'S001C00{c}P00{p}R001A00{a}' for c in (1, 2) for p in (3, 5) for a in (7, 8)]  # cup (A007), apple (A008)
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic(tmp, names, workers=1)
        images = {n: Image.fromarray(spliced_image(tmp, n)) for n in names}
    for s in (64, 160):
        cup, apple = (np.asarray(images[n].resize((s, s), Image.BILINEAR), dtype=float) for n in names[:2])
        print(f'{s}×{s}: {(np.abs(cup - apple).sum(-1) > 60).sum()} of {s * s} pixels differ (> 60 in summed RGB) '
              f'between the cup and the apple of the same skeleton')
        torch.manual_seed(0)
        enc = make_rgb_encoder('resnet18', size=s).eval()
        with torch.no_grad(): f = {n: enc(enc.transform()(images[n])[None])[0].numpy() for n in names}
        same = np.mean([np.linalg.norm(f[n] - f[n[:-1] + '8']) for n in names if n.endswith('7')])
        other = np.mean([np.linalg.norm(f[a] - f[b]) for a in names for b in names if a < b and a[-1] == b[-1] and a[:-4] != b[:-4]])
        print(f'  random ResNet-18 at {s} px: |cup − apple| of the same skeleton = {same / other:.2f} × |sample − sample| within a class')

def refiner(steps=(108, 216, 324, 540), lr=0.05):
    from mmcl.frm import Refiner, refinement_loss
    objects = ('nothing', 'cup', 'apple', 'phone')
    K, held = len(ACTIONS), [objects.index(a.held.name) if a.held else 0 for a in ACTIONS]
    seen_as = {b - 1: a - 1 for a, b in OBJECT_PAIRS}  # the skeleton scores a pair's second class like its first
    pairs = torch.tensor([c - 1 for p in OBJECT_PAIRS for c in p])
    def batch(n):
        y = torch.randint(K, (n,))
        g = torch.tensor([seen_as.get(int(c), int(c)) for c in y])
        logits = 3 * F.one_hot(g, K).float()
        for a, b in OBJECT_PAIRS: logits[g == a - 1, b - 1] = 3  # both classes of a pair score the same
        return logits, F.one_hot(torch.tensor([held[c] for c in y]), len(objects)).float(), y
    for n in steps:
        torch.manual_seed(0)
        r = Refiner(len(objects), K)
        opt = torch.optim.SGD(r.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=4e-4)
        for _ in range(n):
            logits, feature, y = batch(16)
            loss = refinement_loss(r(logits, feature), y); opt.zero_grad(); loss.backward(); opt.step()
        logits, feature, y = batch(4000)
        with torch.no_grad():
            p_pos = F.softmax(r.mlp(torch.eye(len(objects))), -1)[:, 0]
            hit = (r(logits, feature).argmax(1) == y)[torch.isin(y, pairs)].float().mean()
        print(f'{n} steps: p_pos {" / ".join(objects)} = {" / ".join(f"{v:.2f}" for v in p_pos.tolist())}; '
              f'refined scores right on the pair classes {100 * hit:.0f}% (the skeleton scores alone: 50%)')

if __name__ == '__main__':
    checks = {'probe': probe, 'crops': crops, 'refiner': refiner}
    wanted = sys.argv[1:] or list(checks)
    if bad := [w for w in wanted if w not in checks]: sys.exit(f'colearning_checks: error: unknown check {bad} — choose from {list(checks)}')
    for w in wanted: print(f'## {w}'); checks[w]()
