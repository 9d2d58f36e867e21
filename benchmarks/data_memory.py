#!/usr/bin/env python
"""Memory and speed of loading an NTU120-sized prepared store: 113,945 sequences (lengths log-normal, mean ~80
frames, clipped to 30..300; 2 actors or a padded copy), written straight to the store with `mmcl.prepare.write_store`
(no text parsing). Then one training epoch of the X-Sub training split (or --batches batches) through
`SkeletonDataset` + `SkeletonTransform.for_training()` + `make_loader` with 2 workers, printing samples/s, the
peak RSS and PSS of the whole process tree (main + workers) and the store's size on disk.
`--reader mmap` reads samples through a numpy memory map instead, to show why the store does not.
Usage: python benchmarks/data_memory.py [--store /tmp/mmcl_ntu120_bench] [--batches 0] [--reader file|mmap]"""
import argparse, time
from pathlib import Path
import numpy as np
from mmcl.prepare import NTU120, Sample, write_store
from mmcl.data import PreparedStore, SkeletonDataset, make_loader
from mmcl.transforms import SkeletonTransform
from tree_memory import PeakMemory, tree_memory

NUM_SEQUENCES = 113_945

def samples(n, seed=0):
    "NTU120-like samples: NTU names and fields, realistic lengths, random-walk joints; mutual actions have 2 actors."
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(72), 0.45, n), 30, 300).astype(int)
    for k, T in enumerate(lengths):
        meta = dict(setup=1 + k % 32, camera=1 + k // 32 % 3, performer=1 + k // 96 % 106, replication=1 + k // 10176 % 2,
                    action=1 + k // 20352 % 120 + 20 * (k % 6))
        meta['action'] = (meta['action'] - 1) % 120 + 1
        M = 2 if 50 <= meta['action'] <= 60 or meta['action'] >= 106 else 1
        name = 'S{setup:03d}C{camera:03d}P{performer:03d}R{replication:03d}A{action:03d}'.format(**meta)
        xyz = rng.normal(0, .3, (1, M, 25, 3)) + rng.normal(0, .01, (T, M, 25, 3)).cumsum(0)
        yield Sample(name, xyz.astype(np.float32), meta['action'] - 1, meta)

def mmap_read(self, array, i):
    "PreparedStore._read through a numpy memory map (for comparison only)."
    if array not in self._files: self._files[array] = np.load(self.path / f'{array}.npy', mmap_mode='r')
    o, n = int(self.index['offset'][i]), int(self.index['length'][i])
    return self._files[array][o:o + n].astype(np.float32)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--store', type=Path, default=Path('/tmp/mmcl_ntu120_bench'), help='store folder (built once, then reused)')
    p.add_argument('--batches', type=int, default=0, help='batches to load (0: a full epoch)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--reader', choices=('file', 'mmap'), default='file')
    a = p.parse_args()
    if not (a.store / 'store.json').exists():
        t0 = time.perf_counter()
        with PeakMemory() as peak: write_store(NTU120, samples(NUM_SEQUENCES), a.store, shard_size=2000)
        print(f'built the store in {time.perf_counter() - t0:.0f} s (peak RSS {peak.rss / 2**20:.0f} MiB)')
    store = PreparedStore(a.store)
    size = sum(f.stat().st_size for f in a.store.iterdir())
    print(f'store: {len(store)} sequences, {store.info["num_frames"]:,} frames, {size / 2**30:.2f} GiB on disk '
          f'({store.info["dtype"]}; the reference float32 npz of 300 frames: {len(store) * 300 * 150 * 4 / 2**30:.1f} GiB)')
    if a.reader == 'mmap': PreparedStore._read = mmap_read
    ds = SkeletonDataset(store, 'xsub_train', SkeletonTransform.for_training(), seed=0)
    loader = make_loader(ds, a.batch_size, shuffle=True, workers=a.workers, drop_last=True)
    total = a.batches or len(loader)
    print(f'{"full epoch" if not a.batches else f"{total} of {len(loader)} batches of the epoch"}: xsub_train, '
          f'{len(ds)} samples, batch {a.batch_size}, {a.workers} workers, reader={a.reader}; idle RSS {tree_memory()[0] / 2**20:.0f} MiB')
    with PeakMemory() as peak:
        t0, n = time.perf_counter(), 0
        for b, (x, y, i) in enumerate(loader):
            n += len(y)
            if b + 1 == total: break
        dt = time.perf_counter() - t0
    print(f'loaded {n} samples in {dt:.0f} s: {n / dt:.0f} samples/s; peak RSS {peak.rss / 2**20:.0f} MiB, '
          f'peak PSS {peak.pss / 2**20:.0f} MiB (main + workers)')
