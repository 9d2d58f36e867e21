"""Speed of `mmcl.sources.read_ntu_skeleton` on NTU-like files (100 frames, 1 or 2 bodies, 7 significant digits
as in the official files). Prints files/s on one core, and the cost of one Python float() as a yardstick of the
machine (parsing text numbers dominates).  Run: python benchmarks/sources_ntu_read.py"""
import tempfile, time, timeit
from pathlib import Path
import numpy as np
from mmcl.sources import read_ntu_skeleton

def official_like(path, num_frames, num_bodies, rng):
    "Write a file formatted like the official ones (values with ~7 significant digits)."
    out = [f'{num_frames}']
    for f in range(num_frames):
        out.append(f'{num_bodies}')
        for b in range(num_bodies):
            out.append(f'7205759403794473{b} 0 1 1 1 1 0 {rng.normal():.7g} {rng.normal():.7g} 2\n25')
            for j in range(25):
                x = rng.normal(size=11) * [1, 1, 3, 300, 200, 1000, 500, 1, 1, 1, 1]
                out.append(' '.join(f'{v:.7g}' for v in x) + ' 2')
    Path(path).write_text('\n'.join(out) + '\n')

def files_per_second(paths, repeats=3):
    best = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        for p in paths: read_ntu_skeleton(p)
        best = min(best, time.perf_counter() - t0)
    return len(paths) / best

if __name__ == '__main__':
    rng, tmp = np.random.default_rng(0), Path(tempfile.mkdtemp())
    per_float = min(timeit.repeat("float('1036.233')", number=100_000, repeat=5)) / 100_000
    print(f"yardstick: float('1036.233') takes {per_float * 1e9:.0f} ns on this machine")
    for bodies in (1, 2):
        paths = [tmp / f'S001C001P001R001A{bodies}{i:02d}.skeleton' for i in range(40)]
        for p in paths: official_like(p, 100, bodies, rng)
        size = paths[0].stat().st_size / 1e3
        rate = files_per_second(paths)
        values = 100 * bodies * (25 * 12 + 10)
        print(f'100 frames, {bodies} body(ies), {size:.0f} kB/file: {rate:.0f} files/s, '
              f'{1e9 / (rate * values):.0f} ns per value (best of 3)')
