"""Throughput of the RGB crop cache (mmcl.rgbcache) on synthetic samples (320x180 videos), and of reading crops back.

Prints samples/s (wall clock) of `cache_crops` with 1 and 2 worker processes on a fresh folder, of a resumed run over a
complete folder (the cost of skipping), and ms per image of `CropImages` with the Inception (299) and a 112 transform.
NTU's 1920x1080 videos cost far more per sample to decode (benchmarks/rgb_speed.py measures `splice_sample` on them).
Run: python benchmarks/rgb_cache_speed.py [num_samples]
"""
import sys, tempfile, time
from pathlib import Path
from mmcl.data import PreparedStore
from mmcl.prepare import prepare
from mmcl.rgb import image_transform
from mmcl.rgbcache import CropImages, cache_crops
from mmcl.synthetic import RGB_DIR, SKELETON_DIR, make_synthetic, sample_names


def main(n: int = 72):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        names = sample_names(performers=10, replications=1, cameras=(1, 2, 3))[:n]
        make_synthetic(d / 'raw', names, workers=2)
        prepare('synthetic', d / 'raw' / SKELETON_DIR, d / 'store', workers=1, progress=False)
        store = PreparedStore(d / 'store')
        print(f"{len(store)} synthetic samples, 320x180 videos, 480x480 strip crops")
        for workers in (1, 2):
            start = time.perf_counter()
            report = cache_crops(store, d / 'raw' / RGB_DIR, d / f'crops{workers}', workers=workers, progress=False)
            print(f"cache_crops, {workers} worker(s): {report['written'] / (time.perf_counter() - start):7.1f} samples/s")
        start = time.perf_counter()
        cache_crops(store, d / 'raw' / RGB_DIR, d / 'crops2', workers=2, progress=False)
        print(f"resumed over a complete folder: {len(store) / (time.perf_counter() - start):7.0f} samples/s")
        for size in (299, 112):
            images = CropImages(d / 'crops2', image_transform(size))
            start = time.process_time()
            for name in store.names: images[str(name)]
            print(f"CropImages read + transform to {size}: {1000 * (time.process_time() - start) / len(store):5.1f} ms CPU per image")


if __name__ == '__main__': main(*(int(a) for a in sys.argv[1:]))
