#!/usr/bin/env python
"""Encoder speed on this machine: training-step and eval throughput (samples/s, batch 16) of CTR-GCN on NTU-shaped
(3, 64, 25, 2) and NW-UCLA-shaped (3, 52, 20, 1) input, next to the machine's measured matmul GFLOP/s and the
fraction of it the model achieves. Prints a table. Usage: python benchmarks/encoder_speed.py [--batch 16] [--seconds 10]"""
import argparse, platform, time
import torch
from mmcl.graph import NTU25, KINECT20
from mmcl.encoder import CTRGCN, count_parameters, macs_per_sample

def timed(step, seconds: float) -> float:
    "Calls of `step` per second, after two warm-up calls, over at least `seconds`."
    step(); step()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or n < 3: step(); n += 1
    return n / elapsed

def matmul_gflops(seconds: float, size: int = 2048) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    return timed(lambda: a @ b, seconds) * 2 * size ** 3 / 1e9

def measure(name, model, shape, batch, seconds):
    x, y = torch.randn(batch, *shape), torch.randint(0, model.num_class, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    def train_step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.train(); train = timed(train_step, seconds) * batch
    model.eval()
    with torch.inference_mode(): infer = timed(lambda: model(x), seconds) * batch
    gmacs = macs_per_sample(model, shape[1]) / 1e9
    return name, count_parameters(model), gmacs, train, infer

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--seconds', type=float, default=10, help='time spent on each measurement')
    args = ap.parse_args()
    torch.manual_seed(0)
    peak = matmul_gflops(args.seconds)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}; '
          f'matmul 2048² float32: {peak:.1f} GFLOP/s')
    rows = [measure('NTU (3, 64, 25, 2), 60 classes', CTRGCN(60, NTU25, 2), (3, 64, 25, 2), args.batch, args.seconds),
            measure('NW-UCLA (3, 52, 20, 1), 10 classes', CTRGCN(10, KINECT20, 1), (3, 52, 20, 1), args.batch, args.seconds)]
    print(f"\n| input | params | GMACs/sample | train samples/s | eval samples/s | train % of matmul | eval % of matmul |")
    print("|---|---|---|---|---|---|---|")
    for name, params, gmacs, train, infer in rows:
        # a training step costs about three forward passes (forward, input and weight gradients)
        train_frac, eval_frac = 3 * 2 * gmacs * train / peak, 2 * gmacs * infer / peak
        print(f"| {name} | {params:,} | {gmacs:.2f} | {train:.1f} | {infer:.1f} | {100 * train_frac:.0f}% | {100 * eval_frac:.0f}% |")

if __name__ == '__main__': main()
