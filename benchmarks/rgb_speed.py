"""Throughput of the per-sample RGB path (mmcl.rgb) on the four NTU RGB+D sample videos (1920x1080 mpeg4 AVI).

Prints, per stage and end to end, samples/s (wall clock) and CPU ms per sample (robust on a shared machine) of: frame count + 5-frame decode (PyAV, seeking), crop boxes, splicing,
`splice_sample` (strip and grid layouts, skeleton-guided and whole-frame), and the encoder image transform; then the
decoder comparison behind the choice in nbs/07_rgb.ipynb (PyAV seek vs sequential, OpenCV if installed).
The videos have no skeleton files here: the crops use a hand-placed joint lattice over each actor.
Run: python benchmarks/rgb_speed.py
"""
import time, warnings
import numpy as np
from mmcl.rgb import (count_frames, read_frames, frame_indices, frame_boxes, splice, splice_sample, strip_slots,
                      grid_slots, image_transform, _open_video, _read_sequential, WholeFrameWarning)
from mmcl.testdata import shared_path, skip_message

ACTORS = {'S001C001P001R001A001': [(980, 280, 1108, 748)], 'S001C001P001R001A002': [(992, 288, 1120, 740)],
          'S001C001P001R001A050': [(620, 288, 768, 792), (860, 300, 1100, 752)],
          'S018C001P008R001A062': [(784, 340, 944, 840)]}


def lattice_xy(extents, num_frames):
    "(T, M, 25, 2) joints on a 5x5 lattice over each actor's extent (colour pixels), constant over time."
    grids = [np.stack(np.meshgrid(np.linspace(x0, x1, 5), np.linspace(y0, y1, 5)), -1).reshape(25, 2)
             for x0, y0, x1, y1 in extents]
    return np.broadcast_to(np.stack(grids), (num_frames, len(extents), 25, 2))


def measure(fn, items, repeats=3):
    "Best-of-`repeats` (items/s wall clock, CPU ms per item) of fn(item) over `items`, and the last results."
    wall = cpu = float('inf')
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = [fn(x) for x in items]
        wall, cpu = min(wall, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
    return (len(items) / wall, 1000 * cpu / len(items)), out


def show(name, figures, unit='samples/s'):
    print(f"{name:45s} {figures[0]:7.1f} {unit}  {figures[1]:7.1f} ms CPU each")


def main():
    folder = shared_path('data', 'ntu-rgb-samples')
    if folder is None: print(skip_message('the NTU RGB+D sample videos (shared/data/ntu-rgb-samples)')); return
    videos = sorted(folder.glob('*.avi'))
    xys = {v: lattice_xy(ACTORS[v.name.split('_')[0]], count_frames(v)) for v in videos}
    print(f"{len(videos)} NTU videos, {[count_frames(v) for v in videos]} frames, 5 frames each, best of 3\n")
    warnings.simplefilter('ignore', WholeFrameWarning)

    def decode(v):
        n = count_frames(v); idx = frame_indices(n); return n, idx, read_frames(v, idx)
    figures, decoded = measure(decode, videos)
    show('count + decode 5 frames (PyAV seek)', figures)
    slots = strip_slots(5)
    aspects = (slots[:, 2] - slots[:, 0]) / (slots[:, 3] - slots[:, 1])
    jobs = list(zip(videos, decoded))
    figures, boxes = measure(lambda j: frame_boxes(xys[j[0]], j[1][1], (1920, 1080), aspects), jobs)
    show('crop boxes', figures)
    figures, _ = measure(lambda jb: splice(jb[0][1][2], jb[1], slots), list(zip(jobs, boxes)))
    show('crop + resize + splice (strip)', figures)
    for name, kwargs in [('splice_sample, skeleton crops, strip', dict(layout=strip_slots)),
                         ('splice_sample, skeleton crops, grid', dict(layout=grid_slots)),
                         ('splice_sample, whole frames, strip', dict(layout=strip_slots, whole=True))]:
        whole = kwargs.pop('whole', False)
        figures, images = measure(lambda v: splice_sample(v, None if whole else xys[v], **kwargs), videos)
        show(name, figures)
    figures, _ = measure(image_transform(), images * 5)
    show('image transform 480x480 -> (3, 299, 299)', figures)

    print("\ndecoders, 5 frames per video:")
    def sequential(v):
        idx = frame_indices(count_frames(v))
        with _open_video(v) as c: return _read_sequential(c, c.streams.video[0], set(idx))
    show('  PyAV, seek per frame (read_frames)', measure(lambda v: read_frames(v, frame_indices(count_frames(v))), videos)[0], 'videos/s')
    show('  PyAV, sequential', measure(sequential, videos)[0], 'videos/s')
    try: import cv2
    except ImportError: print("  OpenCV: not installed (pip install opencv-python-headless to compare)"); return
    def cv_sequential(v):
        cap, idx, out, i = cv2.VideoCapture(str(v)), frame_indices(count_frames(v)), [], 0
        for t in idx:
            while i < t: cap.grab(); i += 1
            out.append(cv2.cvtColor(cap.read()[1], cv2.COLOR_BGR2RGB)); i += 1
        return out
    def cv_seek(v):
        cap, out = cv2.VideoCapture(str(v)), []
        for t in frame_indices(count_frames(v)):
            cap.set(cv2.CAP_PROP_POS_FRAMES, t); out.append(cv2.cvtColor(cap.read()[1], cv2.COLOR_BGR2RGB))
        return out
    show('  OpenCV, sequential grab/read', measure(cv_sequential, videos)[0], 'videos/s')
    show('  OpenCV, CAP_PROP_POS_FRAMES seek', measure(cv_seek, videos)[0], 'videos/s')


if __name__ == '__main__':
    main()
