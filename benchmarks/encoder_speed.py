#!/usr/bin/env python
"""Encoder speed: the fast CTR-GCN formulation (the default) against the reference one (`fast=False`, written as the
original code computes), same weights, measured in one process with interleaved rounds (median of several), on
NTU-shaped (3, 64, 25, 2) and NW-UCLA-shaped (3, 52, 20, 1) batches: training step (forward, backward, SGD update)
and evaluation forward. Also prints the machine's matmul GFLOP/s and the fraction of it each path achieves, and the
batch-1 latency of the skeleton-only model, eager and exported (ONNX Runtime, TorchScript) where an exporter works.
Times are CPU seconds of this process (time.process_time) with one torch thread (OMP_NUM_THREADS=1 is set here), so
other jobs disturb them less than wall time; the load average is printed beside every figure all the same.
Usage: python benchmarks/encoder_speed.py [--batch 16] [--rounds 3]"""
import argparse, io, os, platform, statistics, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch
import torch.nn.functional as F
from mmcl.graph import NTU25, KINECT20
from mmcl.encoder import CTRGCN, macs_per_sample

def load(): return f'load {os.getloadavg()[0]:.1f}/{os.cpu_count()}'

def seconds_per_call(fn, calls: int = 1) -> float:
    "CPU seconds per call: torch runs one thread here, so other jobs on a shared machine barely change it."
    t0 = time.process_time()
    for _ in range(calls): fn()
    return (time.process_time() - t0) / calls

def matmul_gflops(size: int = 1024, calls: int = 20) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    return 2 * size ** 3 / min(seconds_per_call(lambda: a @ b, calls) for _ in range(3)) / 1e9

def steps(model, x, y):
    "The training step and the evaluation forward of `model` on batch (x, y)."
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, nesterov=True)
    def train():
        model.train(); opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward(); opt.step()
    def evaluate():
        model.eval()
        with torch.inference_mode(): model(x)
    return dict(train=train, eval=evaluate)

def compare(num_class, layout, M, T, batch, rounds):
    "Median seconds per call of {(path, kind)} over interleaved rounds, and the model's GMACs per sample."
    x, y = torch.randn(batch, 3, T, layout.num_joints, M), torch.randint(0, num_class, (batch,))
    reference = CTRGCN(num_class, layout, M, fast=False)
    fast = CTRGCN(num_class, layout, M); fast.load_state_dict(reference.state_dict())
    fns = {('reference', kind): fn for kind, fn in steps(reference, x, y).items()}
    fns |= {('fast', kind): fn for kind, fn in steps(fast, x, y).items()}
    for fn in fns.values(): fn()  # warm-up
    times = {key: [] for key in fns}
    for _ in range(rounds):
        for key, fn in fns.items(): times[key].append(seconds_per_call(fn))
    return {key: statistics.median(v) for key, v in times.items()}, macs_per_sample(fast, T) / 1e9

def latency(model, x, calls: int = 20):
    "Median batch-1 latency (ms) eager, and via ONNX Runtime and TorchScript when they export."
    model.eval()
    out = {}
    with torch.inference_mode():
        model(x)
        out['eager'] = statistics.median(seconds_per_call(lambda: model(x)) for _ in range(calls)) * 1e3
    try:
        import onnxruntime as ort
        buf = io.BytesIO()
        torch.onnx.export(model, (x,), buf, dynamo=False, input_names=['x'], output_names=['logits'])
        opts = ort.SessionOptions(); opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        session = ort.InferenceSession(buf.getvalue(), opts, providers=['CPUExecutionProvider'])
        feed = {'x': x.numpy()}
        got = session.run(None, feed)[0]
        with torch.inference_mode(): diff = (torch.from_numpy(got) - model(x)).abs().max().item()
        out[f'ONNX Runtime (max |Δlogit| {diff:.1e})'] = statistics.median(seconds_per_call(lambda: session.run(None, feed)) for _ in range(calls)) * 1e3
    except Exception as e: out['ONNX Runtime'] = f'unavailable ({type(e).__name__}: {str(e)[:80]})'
    try:
        with torch.inference_mode():
            traced = torch.jit.freeze(torch.jit.trace(model, (x,)))
            traced(x); traced(x)
            out['TorchScript (traced, frozen)'] = statistics.median(seconds_per_call(lambda: traced(x)) for _ in range(calls)) * 1e3
    except Exception as e: out['TorchScript'] = f'unavailable ({type(e).__name__}: {str(e)[:80]})'
    return out

def main():
    warnings.filterwarnings('ignore')  # the exporters' tracer warnings are about Python control flow, not results
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--rounds', type=int, default=3, help='interleaved rounds; the median is reported')
    args = ap.parse_args()
    torch.manual_seed(0); torch.set_num_threads(1)
    peak = matmul_gflops()
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores, '
          f'{platform.processor() or platform.machine()}; matmul 1024² float32: {peak:.1f} GFLOP/s ({load()})')
    print(f'\nbatch {args.batch}, CPU ms per step, median of {args.rounds} interleaved rounds; % = achieved fraction of the matmul rate '
          f'(a training step counted as 3 forward passes)\n')
    print('| input | step | reference ms | fast ms | speed-up | reference % | fast % | load |')
    print('|---|---|---|---|---|---|---|---|')
    for name, shape in (('NTU (3, 64, 25, 2)', (60, NTU25, 2, 64)), ('NW-UCLA (3, 52, 20, 1)', (10, KINECT20, 1, 52))):
        med, gmacs = compare(*shape, args.batch, args.rounds)
        for kind, passes in (('train', 3), ('eval', 1)):
            ref, fast = med['reference', kind], med['fast', kind]
            frac = lambda s: 100 * passes * 2 * gmacs * args.batch / s / peak
            print(f'| {name} | {kind} | {ref * 1e3:.0f} | {fast * 1e3:.0f} | {ref / fast:.2f}× | {frac(ref):.0f}% | {frac(fast):.0f}% | {load()} |')
    print('\nbatch-1 latency (CPU ms) of the skeleton-only model (NTU shape, fast path, evaluation):')
    for how, ms in latency(CTRGCN(60, NTU25, 2), torch.randn(1, 3, 64, 25, 2)).items():
        print(f'  {how}: ' + (f'{ms:.1f} ms ({load()})' if isinstance(ms, float) else ms))

if __name__ == '__main__': main()
