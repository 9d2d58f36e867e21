#!/usr/bin/env python
"""Does the training loader keep up with the training step at NTU120 scale? Builds an NTU120-sized prepared store
(113,945 generated sequences with NTU names and realistic lengths, written by `mmcl.prepare.write_store`, as
data_memory.py does: no text parsing), then measures

- the loader: `mmcl.experiment.make_loaders` with the ntu120 defaults (X-Sub training split, joint stream, the
  recipe's batch 200, the driver's default 2 workers), iterated without a model: samples/s delivered (wall clock,
  after the first batch, which includes starting the workers) and the workers' CPU ms per sample, from which the
  samples/s of `workers` workers each with a core of its own follows (the figure a busy machine does not disturb);
- the training step of the NTU-shaped CTR-GCN encoder (`make_encoder`: forward, cross-entropy, backward, SGD update)
  on the loader's own batches, one torch thread, CPU time (`time.process_time`) of one step after one warm-up step,
  at a smaller batch (--step-batch) scaled to samples/s: a step's cost is linear in the batch at these sizes;

and prints both, their ratio, the peak RSS of the process tree (main + workers) and the load average.
The store goes to --store and is deleted at the end unless --keep; an existing store there is reused (and kept).
Full run on a quiet 2-core machine: about 4 minutes, most of it building the store (about 1,000 sequences per CPU
second: 2 minutes); disk: 2.7 GB for the store, about twice that while it is built (shards, then the arrays).
--quick (3,000 sequences, 4 batches, step at batch 4) takes about 20 s.
Usage: python benchmarks/loader_speed.py [--quick] [--store /tmp/mmcl_loader_bench] [--batches 100] [--keep]"""
import argparse, os, resource, shutil, time
os.environ.setdefault('OMP_NUM_THREADS', '1')  # the step is measured on one thread (CPU time)
import numpy as np
import torch
import torch.nn.functional as F
from pathlib import Path
from mmcl.prepare import NTU120, write_store
from mmcl.data import PreparedStore
from mmcl.experiment import DEFAULTS, make_recipe, make_loaders, make_encoder
from mmcl.transforms import Stream
from data_memory import NUM_SEQUENCES, samples
from tree_memory import PeakMemory

BYTES_PER_FRAME = 2 * 25 * 3 * np.dtype(np.float16).itemsize  # actors × joints × xyz, as the store keeps them
MEAN_FRAMES = 80  # data_memory.samples: log-normal lengths around 72, clipped to 30..300

def load(): return f'load average {os.getloadavg()[0]:.1f} / {os.cpu_count()} cores'

def children_cpu() -> float:
    "CPU seconds of this process's finished children (the loader's workers, once shut down)."
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def build(path: Path, n: int):
    "Write an NTU120-like store of `n` generated sequences to `path`, after checking the disk has room."
    need = 2 * n * MEAN_FRAMES * BYTES_PER_FRAME
    free = shutil.disk_usage(path.parent).free
    if free < need + 2**30:
        raise SystemExit(f'loader_speed: error: {path.parent} has {free / 2**30:.1f} GiB free, building the store needs about '
                         f'{need / 2**30:.1f} GiB plus 1 GiB to spare — give --store on a disk with room, or use --quick')
    print(f'building {path}: {n:,} sequences (needs about {need / 2**30:.1f} GiB while built; {free / 2**30:.0f} GiB free)', flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    with PeakMemory() as peak: write_store(NTU120, samples(n), path, shard_size=2000)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f'built in {wall:.0f} s wall, {cpu:.0f} s CPU ({n / cpu:.0f} sequences per CPU second), peak RSS {peak.rss / 2**20:.0f} MiB; {load()}', flush=True)

def loader_rate(train_dl, batches: int) -> dict:
    "Iterate `batches` batches of the training loader (no model): wall samples/s after the first batch, workers' CPU ms per sample."
    c0 = children_cpu()
    with PeakMemory() as peak:
        t0 = time.perf_counter()
        it = iter(train_dl)
        first = next(it)
        t1, n = time.perf_counter(), 0
        for _ in range(batches - 1): n += len(next(it)[1])
        t2 = time.perf_counter()
        del it  # shuts the workers down, so their CPU time is counted
    worker_cpu = children_cpu() - c0
    total = n + len(first[1])
    return dict(first_batch_s=t1 - t0, wall_rate=n / (t2 - t1), cpu_ms=worker_cpu / total * 1e3, samples=total,
                peak_rss=peak.rss, peak_pss=peak.pss, batch=first)

def step_rate(encoder, x: torch.Tensor, y: torch.Tensor) -> float:
    "Samples per CPU second of one training step on (x, y), one thread, after a warm-up step."
    torch.set_num_threads(1)
    opt = torch.optim.SGD(encoder.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=4e-4)
    def step():
        encoder.train(); opt.zero_grad(set_to_none=True)
        F.cross_entropy(encoder(x), y).backward(); opt.step()
    step()
    c0 = time.process_time(); step()
    return len(y) / (time.process_time() - c0)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='a check: 3,000 sequences, 4 batches, step at batch 4')
    p.add_argument('--store', type=Path, default=Path('/tmp/mmcl_loader_bench'), help='store folder (built, then deleted unless --keep)')
    p.add_argument('--keep', action='store_true', help='keep the store for a later run')
    p.add_argument('--batches', type=int, default=100, help='training batches to load (default 100: 20,000 samples at batch 200)')
    p.add_argument('--workers', type=int, default=2, help="loader processes (default 2, the train driver's default)")
    p.add_argument('--step-batch', type=int, default=16, help='batch of the timed training step, scaled to samples/s')
    a = p.parse_args()
    n, batches, step_batch = (3_000, 4, 4) if a.quick else (NUM_SEQUENCES, a.batches, a.step_batch)
    print(f'torch {torch.__version__}, {os.cpu_count()} cores; {load()}', flush=True)
    built = not (a.store / 'store.json').exists()
    if built: build(a.store, n)
    try:
        store = PreparedStore(a.store)
        if len(store) != n:
            raise SystemExit(f'loader_speed: error: {a.store} holds {len(store):,} sequences, this run needs {n:,} — '
                             f'delete it or give another --store')
        size = sum(f.stat().st_size for f in a.store.iterdir() if f.is_file())
        print(f'store: {len(store):,} sequences, {store.info["num_frames"]:,} frames, {size / 2**30:.2f} GiB on disk'
              f'{"" if built else " (reused)"}', flush=True)
        defaults = DEFAULTS['ntu120']
        benchmark = defaults.benchmarks[0]
        recipe = make_recipe(defaults)
        train_dl, _, _ = make_loaders(store, defaults, benchmark, Stream('joint'), recipe, seed=1, workers=a.workers)
        batches = min(batches, len(train_dl))
        print(f'loader: ntu120 {benchmark} training split, {len(train_dl.dataset):,} samples, batch {recipe.batch_size}, '
              f'{a.workers} workers; timing {batches} of the epoch\'s {len(train_dl)} batches', flush=True)
        L = loader_rate(train_dl, batches)
        capacity = max(a.workers, 1) * 1e3 / L['cpu_ms']
        print(f'  first batch (starts the workers) {L["first_batch_s"]:.1f} s; then {L["wall_rate"]:.0f} samples/s wall; '
              f'workers {L["cpu_ms"]:.2f} CPU ms per sample, so {a.workers} workers with a core each deliver {capacity:.0f} samples/s; '
              f'peak RSS (main + workers) {L["peak_rss"] / 2**20:.0f} MiB '
              f'(PSS {L["peak_pss"] / 2**20:.0f} MiB: forked workers share pages); {load()}', flush=True)
        x, y, _ = L['batch']
        x, y = x[:step_batch], y[:step_batch]
        step = step_rate(make_encoder(defaults), x, y)
        print(f'training step: CTR-GCN {tuple(x.shape[1:])}, batch {len(y)} (scaled), one thread: {len(y) / step:.2f} CPU s per step, '
              f'{step:.2f} samples/s per core; {load()}', flush=True)
        print(f'ratio loader / step: {L["wall_rate"] / step:.0f}× (wall, as loaded now), {capacity / step:.0f}× '
              f'({a.workers} workers each on a core, vs the step on one core); goal >= 10×', flush=True)
    finally:
        if built and not a.keep: shutil.rmtree(a.store, ignore_errors=True); print(f'deleted {a.store}')
        elif built: print(f'kept {a.store} (--keep)')
