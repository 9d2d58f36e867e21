#!/usr/bin/env python
"""Speed and peak memory of `mmcl.prepare.prepare` on generated NTU-format files (lengths ~ NTU's, mean ~80 frames;
60 % one body, 25 % two, 15 % one plus a short spurious body), with 1 and 2 worker processes. Prints files/s, peak
RSS and PSS of the whole process tree, CPU time (main + workers: on a shared machine wall time measures the
other jobs too), and the extrapolated time for NTU120's 113,945 files. The reader's one-time start (importing pyarrow,
its first cast) is paid once per process before the timing and printed apart.
Timed runs (median of --repeats) run without the memory sampler, whose thread would add its own CPU time; peak memory
comes from one more run.
Usage: python benchmarks/prepare_speed.py [--files 1000] [--workers 1 2] [--repeats 3]"""
import argparse, os, resource, shutil, statistics, tempfile, time
from pathlib import Path
import numpy as np
from mmcl.sources import NTUBody, NTUSkeleton, read_ntu_skeleton, write_ntu_skeleton
from mmcl.prepare import prepare
from tree_memory import PeakMemory

def ntu_lengths(n, rng):
    "Sequence lengths with NTU-like spread: log-normal, mean ~80 frames, clipped to 30..300."
    return np.clip(rng.lognormal(np.log(72), 0.45, n), 30, 300).astype(int)

def body(body_id, frames, rng):
    "An upright (taller than wide) body drifting slowly, all 12 NTU columns filled."
    base = np.c_[rng.normal(0, .15, 25), rng.uniform(-1, .7, 25), 3 + rng.normal(0, .05, 25)]
    xyz = base + rng.normal(0, .01, (len(frames), 1, 3)).cumsum(0)
    joints = np.zeros((len(frames), 25, 12), np.float32)
    joints[..., :3] = xyz
    joints[..., 3:5] = 256 + 100 * xyz[..., :2]
    joints[..., 5:7] = 960 + 330 * xyz[..., :2]
    joints[..., 7], joints[..., 11] = 1, 2
    return NTUBody(str(72057594037927936 + body_id), np.asarray(frames), joints, np.zeros((len(frames), 9), np.float32))

def write_files(folder, n, seed=0):
    rng = np.random.default_rng(seed)
    for k, T in enumerate(ntu_lengths(n, rng)):
        name = f'S{1 + k % 32:03d}C{1 + k % 3:03d}P{1 + k % 106:03d}R{1 + k % 2:03d}A{1 + k % 120:03d}'
        kind = rng.choice(3, p=[.6, .25, .15])
        bodies = [body(1, range(T), rng)]
        if kind == 1: bodies.append(body(2, range(T), rng))
        if kind == 2: bodies.append(body(3, range(5, 13), rng))
        write_ntu_skeleton(folder / f'{name}.skeleton', NTUSkeleton(name, T, bodies))

def cpu_seconds():
    "User + system CPU time of this process and its finished children."
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--files', type=int, default=1000)
    p.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    p.add_argument('--repeats', type=int, default=3, help='timed runs per worker count; the median is printed')
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        (tmp / 'raw').mkdir(); t0 = time.perf_counter(); write_files(tmp / 'raw', a.files)
        size = sum(f.stat().st_size for f in (tmp / 'raw').iterdir())
        print(f'{a.files} generated NTU-format files, {size / a.files / 1e3:.0f} kB each on average (written in {time.perf_counter() - t0:.0f} s)')
        t0 = cpu_seconds(); read_ntu_skeleton(next((tmp / 'raw').iterdir()))
        print(f'one-time start of the reader (pyarrow import, first cast): {cpu_seconds() - t0:.2f} CPU s per process')
        for w in a.workers:
            runs = []  # (wall s, CPU s) of each timed run; memory is sampled in a run of its own (the sampler's thread costs CPU)
            for r in range(a.repeats):
                t0, cpu0 = time.perf_counter(), cpu_seconds()
                store = prepare('ntu120', tmp / 'raw', tmp / f'store{w}-{r}', workers=w, progress=False)
                runs.append((time.perf_counter() - t0, cpu_seconds() - cpu0)); shutil.rmtree(tmp / f'store{w}-{r}')
            with PeakMemory() as peak: prepare('ntu120', tmp / 'raw', tmp / f'memory{w}', workers=w, progress=False)
            dt, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            rate, spread = a.files / dt, ', '.join(f'{1e3 * c / a.files:.1f}' for _, c in runs)
            print(f'workers={w}: {rate:6.1f} files/s wall, {1e3 * cpu / a.files:.1f} CPU ms per file (median of {spread}; {a.files / cpu:.0f} files per CPU-second), {store["num_samples"]} '
                  f'samples; peak RSS {peak.rss / 2**20:.0f} MiB, peak PSS {peak.pss / 2**20:.0f} MiB (process tree, a separate run); '
                  f'NTU120 (113,945 files) ≈ {113945 / rate / 60:.0f} min at this wall rate, '
                  f'{113945 / (a.files / cpu) / w / 60:.0f} min on {w} idle core(s)')
        print(f'load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
        print('for comparison, the original scripts (CTR-GCN data/ntu/get_raw_skes_data.py + get_raw_denoised_data.py) took '
              '15-18 CPU ms per file in an earlier measurement on this kind of machine (not re-run here)')
    finally: shutil.rmtree(tmp)
