#!/usr/bin/env python
"""Does a training job slow down by a share, or collapse, when another job shares the cores? Times training steps of
the NW-UCLA-shaped CTR-GCN encoder (`CTRGCN(10, KINECT20, 1)`, batch 16 of (3, 52, 20, 1), forward, cross-entropy,
backward, SGD update) in a fresh process per measurement, because OpenMP reads OMP_WAIT_POLICY once, when torch loads
it: for each wait policy (unset = OpenMP's default, which spins a while before sleeping; PASSIVE = sleep at once) and
each thread count (default: one per core, and 1),

- alone: the job runs --steps steps on an otherwise idle machine;
- shared: another process runs the same training loop with the same policy and threads (started first, warmed up,
  stopped afterwards) while the job runs its --steps steps.

Prints per configuration the median wall seconds per step alone and shared, the slowdown (shared / alone; two equal
jobs on fully used cores should cost 2×), the slowest shared step, the job's CPU seconds per step (spinning threads
burn CPU without progress) and the load average. Run it on an otherwise quiet machine: other jobs are a third party.
The default (--steps 10, threads = cores and 1: four configurations, each alone then shared) takes about 5 minutes on
a quiet 2-core machine (a step is about 2 CPU s) when nothing collapses; a collapse (the issue saw steps ten times
slower) can stretch it to about 15 minutes.
Usage: python benchmarks/shared_machine.py [--steps 10] [--threads 2 1]"""
import argparse, json, os, statistics, subprocess, sys, time

POLICIES = (None, 'PASSIVE')  # None: OMP_WAIT_POLICY unset, OpenMP's default

def job(steps: int, threads: int, forever: bool):
    "Run training steps and print one JSON line per step (wall and CPU seconds); 'ready' after the warm-up step."
    import torch
    import torch.nn.functional as F
    from mmcl.encoder import CTRGCN
    from mmcl.graph import KINECT20
    torch.manual_seed(0); torch.set_num_threads(threads)
    model = CTRGCN(10, KINECT20, 1)
    x, y = torch.randn(16, 3, 52, KINECT20.num_joints, 1), torch.randint(0, 10, (16,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    def step():
        opt.zero_grad(set_to_none=True); F.cross_entropy(model(x), y).backward(); opt.step()
    step()
    print('ready', flush=True)
    k = 0
    while forever or k < steps:
        w0, c0 = time.perf_counter(), time.process_time()
        step()
        print(json.dumps(dict(wall=time.perf_counter() - w0, cpu=time.process_time() - c0)), flush=True)
        k += 1

def start(policy, threads: int, steps: int, forever: bool = False) -> subprocess.Popen:
    "This script in job mode, in a fresh process whose environment holds the policy (or not) before torch is imported."
    env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'} | {'OMP_NUM_THREADS': str(threads)}
    if policy: env['OMP_WAIT_POLICY'] = policy
    args = [sys.executable, __file__, '--job', '--steps', str(steps), '--threads', str(threads)] + (['--forever'] if forever else [])
    p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != 'ready': p.kill(); raise SystemExit(f'shared_machine: error: the job process failed ({args})')
    return p

def timed(policy, threads: int, steps: int) -> list:
    "Per-step {wall, cpu} of one job."
    p = start(policy, threads, steps)
    out = [json.loads(line) for line in p.stdout]
    if p.wait(): raise SystemExit(f'shared_machine: error: the job process exited with {p.returncode}')
    return out

def measure(policy, threads: int, steps: int) -> dict:
    alone = timed(policy, threads, steps)
    other = start(policy, threads, steps, forever=True)  # the other job: running and warmed up before the job starts
    try:
        shared = timed(policy, threads, steps)
        load = os.getloadavg()[0]
    finally: other.kill(); other.wait()
    med = lambda runs, k: statistics.median(r[k] for r in runs)
    return dict(policy=policy or 'unset (default)', threads=threads, alone=med(alone, 'wall'), shared=med(shared, 'wall'),
                worst=max(r['wall'] for r in shared), cpu_alone=med(alone, 'cpu'), cpu_shared=med(shared, 'cpu'), load=load)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=10, help='timed steps per measurement (after one warm-up step)')
    p.add_argument('--threads', type=int, nargs='+', default=[os.cpu_count() or 1, 1], help='torch threads per job (default: cores, then 1)')
    p.add_argument('--job', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--forever', action='store_true', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.job: job(a.steps, a.threads[0], a.forever); sys.exit()
    print(f'{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; {a.steps} steps per measurement, '
          f'NW-UCLA-shaped CTR-GCN, batch 16', flush=True)
    rows = []
    for threads in a.threads:
        for policy in POLICIES:
            r = measure(policy, threads, a.steps); rows.append(r)
            print(f'  {r["policy"]}, {threads} thread(s): alone {r["alone"]:.2f} s/step, shared {r["shared"]:.2f} s/step '
                  f'(worst {r["worst"]:.2f}), load {r["load"]:.1f}', flush=True)
    print('\n| OMP_WAIT_POLICY | threads per job | alone s/step | shared s/step (worst) | slowdown × | CPU s/step alone / shared | load |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["policy"]} | {r["threads"]} | {r["alone"]:.2f} | {r["shared"]:.2f} ({r["worst"]:.2f}) | {r["shared"] / r["alone"]:.1f}× '
              f'| {r["cpu_alone"]:.2f} / {r["cpu_shared"]:.2f} | {r["load"]:.1f} |')
