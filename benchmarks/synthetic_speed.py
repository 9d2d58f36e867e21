"""Time `mmcl.synthetic.make_synthetic` on the default dataset (720 samples, skeletons + 320x180 videos) with two
processes; print CPU time per sample for each stage (CPU time, so that other jobs on the machine distort it less than
wall time), the wall and CPU time of the whole run, the size on disk, the frame counts, and check that every colour
coordinate lies inside the 1920x1080 frame.  Run: python benchmarks/synthetic_speed.py"""
import os, shutil, tempfile, time
from pathlib import Path
import numpy as np
from mmcl.sources import parse_ntu_name, read_ntu_skeleton, write_ntu_skeleton
from mmcl.synthetic import SKELETON_DIR, action_of, make_synthetic, performers, render_rgb, sample_names, synthesize

def per_sample_cpu(names, folder):
    "CPU seconds per sample on one core for each stage."
    t = dict.fromkeys(('synthesize', 'write .skeleton', 'render + encode video', 'read .skeleton'), 0.)
    for n in names:
        a, p = action_of(n), parse_ntu_name(n)['performer']
        t0 = time.process_time(); skel = synthesize(n)
        t1 = time.process_time(); write_ntu_skeleton(folder / f'{n}.skeleton', skel)
        t2 = time.process_time(); render_rgb(folder / f'{n}_rgb.avi', skel, performers(p)[:a.num_people], a.held)
        t3 = time.process_time(); read_ntu_skeleton(folder / f'{n}.skeleton')
        t4 = time.process_time()
        for k, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)): t[k] += dt
    return {k: v / len(names) for k, v in t.items()}

if __name__ == '__main__':
    tmp = Path(tempfile.mkdtemp())
    print(f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs slow every wall-time figure)')
    (tmp / 'one').mkdir()
    costs = per_sample_cpu(sample_names()[::23], tmp / 'one')  # 32 samples, every class
    print('CPU per sample: ' + ', '.join(f'{k} {v * 1e3:.1f} ms' for k, v in costs.items()))
    for videos in (False, True):
        out = tmp / f'videos_{videos}'
        c0, t0 = os.times(), time.perf_counter()
        made = make_synthetic(out, workers=2, videos=videos)
        wall, c1 = time.perf_counter() - t0, os.times()
        cpu = sum(c1[:4]) - sum(c0[:4])  # this process and its (joined) workers
        t0 = time.perf_counter(); make_synthetic(out, workers=2, videos=videos); again = time.perf_counter() - t0
        mb = sum(p.stat().st_size for p in out.rglob('*') if p.is_file()) / 1e6
        print(f'default dataset, videos={videos}: {len(made)} samples, {wall:.1f} s wall on 2 workers, {cpu:.1f} s CPU '
              f'(so about {cpu / 2:.0f} s on two idle cores), {mb:.0f} MB; a second (resumed) run {again:.2f} s; '
              f'load average {os.getloadavg()[0]:.1f}')
    skels = [read_ntu_skeleton(p) for p in sorted((out / SKELETON_DIR).iterdir())]
    frames = np.array([s.num_frames for s in skels])
    xy = np.concatenate([b.joints[..., 5:7].reshape(-1, 2) for s in skels for b in s.bodies])
    inside = bool((xy >= 0).all() and (xy[:, 0] < 1920).all() and (xy[:, 1] < 1080).all())
    print(f'frames per sample: min {frames.min()}, mean {frames.mean():.0f}, max {frames.max()}; total {frames.sum()}')
    print(f'colorX {xy[:, 0].min():.0f}..{xy[:, 0].max():.0f}, colorY {xy[:, 1].min():.0f}..{xy[:, 1].max():.0f} '
          f'(inside 1920x1080: {inside})')
    shutil.rmtree(tmp)
