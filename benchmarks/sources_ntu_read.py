"""CPU time of `mmcl.sources.read_ntu_skeleton` on NTU-like files (100 frames, 1 or 2 bodies, 7 significant digits
and CRLF line ends as in the official files), against its line reader alone (lines -> np.loadtxt, the reader before
the fast path; it still reads every file the fast path refuses). Prints CPU ms per file (one thread: on a busy
machine CPU time is fairer than wall time) and the cost of one Python float() as a yardstick of the machine.
Run: OMP_NUM_THREADS=1 python benchmarks/sources_ntu_read.py"""
import os, tempfile, time, timeit
from pathlib import Path
import numpy as np
from mmcl.sources import read_ntu_skeleton, _fast_fields, _group_bodies, _line_fields

def official_like(path, num_frames, num_bodies, rng):
    "Write a file formatted like the official ones (values with ~7 significant digits, CRLF line ends)."
    out = [f'{num_frames}']
    for f in range(num_frames):
        out.append(f'{num_bodies}')
        for b in range(num_bodies):
            out.append(f'7205759403794473{b} 0 1 1 1 1 0 {rng.normal():.7g} {rng.normal():.7g} 2\r\n25')
            for j in range(25):
                x = rng.normal(size=11) * [1, 1, 3, 300, 200, 1000, 500, 1, 1, 1, 1]
                out.append(' '.join(f'{v:.7g}' for v in x) + ' 2')
    Path(path).write_bytes(('\r\n'.join(out) + '\r\n').encode())

def line_reader(path):
    "The reader without its fast path: what `read_ntu_skeleton` did before, and does for the files the fast path refuses."
    num_frames, *appearances = _line_fields(path, Path(path).read_text().splitlines())
    return _group_bodies(path, *appearances)

def cpu_ms_per_file(read, paths, repeats=3):
    best = float('inf')
    for _ in range(repeats):
        t0 = time.process_time()
        for p in paths: read(p)
        best = min(best, time.process_time() - t0)
    return 1e3 * best / len(paths)

if __name__ == '__main__':
    rng, tmp = np.random.default_rng(0), Path(tempfile.mkdtemp())
    per_float = min(timeit.Timer("float('1036.233')", timer=time.process_time).repeat(number=100_000, repeat=5)) / 100_000
    print(f"yardstick: float('1036.233') takes {per_float * 1e9:.0f} ns on this machine")
    for bodies in (1, 2):
        paths = [tmp / f'S001C001P001R001A{bodies}{i:02d}.skeleton' for i in range(40)]
        for p in paths: official_like(p, 100, bodies, rng)
        assert all(_fast_fields(p.read_bytes()) is not None for p in paths)
        read_ntu_skeleton(paths[0])  # imports pyarrow
        size, values = paths[0].stat().st_size / 1e3, 100 * bodies * (25 * 12 + 10)
        fast, line = cpu_ms_per_file(read_ntu_skeleton, paths), cpu_ms_per_file(line_reader, paths)
        print(f'100 frames, {bodies} body(ies), {size:.0f} kB/file: read_ntu_skeleton {fast:.2f} CPU ms/file '
              f'({1e6 * fast / values:.0f} ns per value), line reader alone {line:.2f} ({1e6 * line / values:.0f} ns per value): '
              f'{line / fast:.1f}x (best of 3)')
    print(f'load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
