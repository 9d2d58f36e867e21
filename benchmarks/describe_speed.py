"""Cost of `mmcl.describe` on CPU, without any download.

1. BLIP VQA at the size of the paper's checkpoint (Salesforce/blip-vqa-capfilt-large: ViT-B/16 vision tower, BERT-base
   question encoder and answer decoder), built from its configuration with random weights: seconds per image (wall
   and CPU) for batch sizes 1 and 4, at the processor's 384x384 and at the paper's 480x480, with answers of 2 tokens
   (a real "yes [SEP]") and of 10 tokens (the limit; random weights never stop early). Peak memory.
2. The feature store at NTU RGB+D 120 scale (114,480 samples x 769 floats): append time in batches of 64, reopening
   time, random reads per second, and the memory the reader adds.

Run: python benchmarks/describe_speed.py [--skip-model]"""
import argparse, os, resource, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from mmcl.describe import DEFAULT_INSTRUCTION, VQAAnswerer
from mmcl.features import FeatureStore, FeatureWriter, block_parts, store_meta

def rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak

def anon_rss_mb() -> float:
    "Resident memory of the process not backed by files (the memory map's pages are file-backed and reclaimable)."
    with open('/proc/self/status') as f: return next(int(l.split()[1]) for l in f if l.startswith('RssAnon:')) / 1024

def blip_like_paper(tmp: Path):
    "BLIP VQA with the configuration of blip-vqa-capfilt-large and random weights, and a processor with a BERT-sized vocabulary."
    from transformers import BertTokenizer, BlipConfig, BlipForQuestionAnswering, BlipImageProcessor, BlipProcessor
    words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'yes', 'no'] + DEFAULT_INSTRUCTION.replace('?', ' ?').split()
    words += [f'w{i}' for i in range(30522 - len(words))] + ['[DEC]']
    (tmp / 'vocab.txt').write_text('\n'.join(words) + '\n')
    tokenizer = BertTokenizer(str(tmp / 'vocab.txt'), bos_token='[DEC]')
    config = BlipConfig(text_config=dict(num_attention_heads=12, vocab_size=30524, bos_token_id=30522, sep_token_id=3, pad_token_id=0),
                        vision_config=dict())  # vision: ViT-B/16 at 384, the BlipVisionConfig defaults
    torch.manual_seed(0)
    return BlipForQuestionAnswering(config), BlipProcessor(BlipImageProcessor(), tokenizer)

def time_model(tmp: Path):
    model, processor = blip_like_paper(tmp)
    print(f'BLIP VQA (capfilt-large configuration): {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters, '
          f'{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}')
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (480, 480, 3), dtype=np.uint8)) for _ in range(8)]
    VQAAnswerer(model, processor).answer(images[:1], DEFAULT_INSTRUCTION)  # warm-up
    for size, tokens, batch in ((None, 2, 1), (None, 2, 4), (None, 10, 4), (480, 2, 4)):
        answerer = VQAAnswerer(model, processor, max_new_tokens=tokens, image_size=size)
        c0, t0 = time.process_time(), time.perf_counter()
        answerer.answer(images[:batch], DEFAULT_INSTRUCTION)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f'  image {size or 384}, {tokens:2d} answer tokens, batch {batch}: {dt / batch:.2f} s/image wall, '
              f'{cpu / batch:.2f} s/image CPU (load average {os.getloadavg()[0]:.1f})')
    print(f'  peak memory {rss_mb():.0f} MB')

def time_store(tmp: Path, n: int = 114_480, dim: int = 769, batch: int = 64):
    meta = store_meta('benchmark', [DEFAULT_INSTRUCTION], block_parts(dim - 1))
    names = [f'S{i // 1000 % 32 + 1:03d}C001P001R001A{i % 120 + 1:03d}_{i}' for i in range(n)]
    rows = np.random.default_rng(0).random((batch, dim), dtype=np.float32)
    t0 = time.perf_counter()
    writer = FeatureWriter(tmp / 'store', meta)
    for i in range(0, n, batch):
        writer.append(names[i:i + batch], rows[:len(names[i:i + batch])], [['yes']] * len(names[i:i + batch]))
    write = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in (tmp / 'store').iterdir()) / 1e6
    before = anon_rss_mb()
    t0 = time.perf_counter(); store = FeatureStore(tmp / 'store'); opened = time.perf_counter() - t0
    pick = np.random.default_rng(1).choice(n, 10_000)
    t0 = time.perf_counter()
    for i in pick: store[names[i]]
    reads, held = 10_000 / (time.perf_counter() - t0), anon_rss_mb() - before
    t0 = time.perf_counter(); FeatureWriter(tmp / 'store', meta); resume = time.perf_counter() - t0
    print(f'feature store, {n} samples x {dim} float32 ({size:.0f} MB on disk): appended in {write:.1f} s '
          f'(batches of {batch}, fsync per batch), opened in {opened:.2f} s, {reads:.0f} random reads/s, '
          f'reopened for resuming in {resume:.2f} s; the open reader holds +{held:.0f} MB of anonymous memory '
          '(names and answers; the feature rows stay in the file-backed memory map)')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--skip-model', action='store_true', help='only time the feature store')
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        if not args.skip_model: time_model(tmp)
        time_store(tmp)
    finally: shutil.rmtree(tmp)
