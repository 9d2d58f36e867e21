"""Throughput of the per-sample transforms (mmcl.transforms), single process, one thread.

NTU: zero-padded (3, 300, 25, 2) float32 samples with T_v = 80..120 valid frames (random walks).
NW-UCLA: (3, T, 20, 1) samples with T = 20..60 frames (NW-UCLA's mean is 39).
Goal: the loader must be >= 10x faster than encoder training (~2 samples/s on this CPU), i.e. thousands/s here.
Run: python benchmarks/transforms_speed.py
"""
import os
os.environ.setdefault('OMP_NUM_THREADS', '1')  # a DataLoader worker runs one sample at a time on one core
import time
import numpy as np
from mmcl.graph import NTU25, KINECT20
from mmcl.transforms import SkeletonTransform, UclaTransform, Stream, valid_length


def random_walks(n, total_len, joints, persons, lengths, seed=0):
    "n (3, total_len, V, M) float32 random walks, zero after a random valid length from `lengths`."
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        valid = int(rng.integers(*lengths))
        x = np.zeros((3, total_len, joints, persons), np.float32)
        x[:, :valid] = rng.normal(0, 0.3, (3, 1, joints, persons)) + rng.normal(0, 0.01, (3, valid, joints, persons)).cumsum(1)
        out.append(x)
    return out


def samples_per_second(transform, samples, seconds=1.0, seed=0):
    "Calls per second of transform(sample, rng=...) cycling through `samples` for about `seconds`."
    rng = np.random.default_rng(seed)
    transform(samples[0], rng=rng)  # warm-up
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for s in samples: transform(s, rng=rng)
        n += len(samples)
    return n / elapsed


if __name__ == '__main__':
    ntu = random_walks(64, 300, 25, 2, (80, 121))
    ucla = [x[:, :valid_length(x)] for x in random_walks(64, 60, 20, 1, (20, 61), seed=1)]  # stored cut to length
    print(f"{'pipeline':<44}{'samples/s':>12}")
    for stream in Stream:
        for name, tf in (('train', SkeletonTransform.for_training(stream, NTU25)), ('test', SkeletonTransform.for_testing(stream, NTU25))):
            print(f"{f'NTU (3,300,25,2) T_v~100 {name} {stream.value}':<44}{samples_per_second(tf, ntu):>12,.0f}")
    for stream in (Stream.joint, Stream.bone_motion):
        for name, tf in (('train', UclaTransform(train=True, stream=stream, layout=KINECT20)), ('test', UclaTransform(stream=stream, layout=KINECT20))):
            print(f"{f'NW-UCLA (3,T~40,20,1) {name} {stream.value}':<44}{samples_per_second(tf, ucla):>12,.0f}")
