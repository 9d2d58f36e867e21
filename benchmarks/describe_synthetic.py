"""The synthetic dataset's instructive features: train the held-object stand-in (`mmcl.synthetic_answerer.synthetic_features`) on
its own 360 samples made with seed 1, describe the default 720-sample dataset (seed 0) into a feature store, and print
the time, the accuracy of the answers against what the generator drew, the answers per class and the mean p_yes.

Run: python benchmarks/describe_synthetic.py [--root DIR] [--store DIR]
(--root: an existing default synthetic dataset, made if missing; --store: where the features go; both default to a
temporary folder that is deleted afterwards)."""
import argparse, os, shutil, tempfile, time
from pathlib import Path
import numpy as np
from mmcl.describe import DEFAULT_INSTRUCTION
from mmcl.features import FeatureStore
from mmcl.synthetic_answerer import synthetic_features
from mmcl.synthetic import CLASS_NAMES, action_of, make_synthetic

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', type=Path, help='default synthetic dataset folder (made when missing)')
    p.add_argument('--store', type=Path, help='feature store folder')
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    root, store_dir = args.root or tmp / 'synthetic', args.store or tmp / 'features'
    try:
        print(f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs slow every wall-time figure)')
        t0 = time.perf_counter(); make_synthetic(root, workers=2); made = time.perf_counter() - t0
        c0, t0 = os.times(), time.perf_counter()
        report = synthetic_features(root, store_dir, progress=False)
        wall, c1 = time.perf_counter() - t0, os.times()
        print(f'dataset ready in {made:.0f} s; stand-in made, trained and run on {report["stored"]} samples in {wall:.0f} s '
              f'wall, {sum(c1[:4]) - sum(c0[:4]):.0f} s CPU (incl. making its 360 training samples on 2 workers)')
        print(f'accuracy against the generator (samples never seen in training): {report["accuracy"]}')
        store = FeatureStore(store_dir)
        by_class = {}
        for n in store.names: by_class.setdefault(action_of(n).name, []).append(n)
        for name in CLASS_NAMES:
            said = [store.answers(n)[DEFAULT_INSTRUCTION] for n in by_class[name]]
            p_yes = np.array([store.part(n, 'p_yes')[0, 0] for n in by_class[name]])
            print(f'  {name:16s} {dict((s, said.count(s)) for s in sorted(set(said)))}  p_yes mean {p_yes.mean():.3f} '
                  f'(min {p_yes.min():.3f}, max {p_yes.max():.3f})')
        print(f'store: {store}')
    finally: shutil.rmtree(tmp)
