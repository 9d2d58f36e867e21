"""Two CPU processes train with DDP over gloo: weights stay in sync, metrics cover the whole test set, rank 0 alone
writes the run folder."""
import json, os, socket
from pathlib import Path
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from safetensors.torch import load_file
from mmcl.learner import load_checkpoint_file

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import sys; sys.path.insert(0, str(Path(__file__).parent))
    from toy_training import run
    from mmcl.learner import setup_distributed
    d = setup_distributed('cpu')
    learner = run(Path(out) / 'run', epochs=2, d=d)
    torch.save(learner.encoder.state_dict(), Path(out) / f'rank{rank}.pt')
    dist.destroy_process_group()

def test_two_process_gloo_training(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    w0, w1 = (torch.load(tmp_path / f'rank{r}.pt', weights_only=True) for r in (0, 1))
    for k in w0: torch.testing.assert_close(w0[k], w1[k], rtol=0, atol=0)  # weights and batch-norm statistics: both ranks tested rank 0's model
    run = tmp_path / 'run'
    assert sorted(p.name for p in run.iterdir()) == ['checkpoint.pt', 'env.json', 'metrics.jsonl', 'params.json', 'skeleton.safetensors']
    assert '"world_size": 2' in (run / 'env.json').read_text()
    export = load_file(str(run / 'skeleton.safetensors'))
    assert export.keys() == w0.keys() and all(torch.equal(export[k], w0[k]) for k in w0)  # rank 0's own encoder, every tensor
    state = load_checkpoint_file(run / 'checkpoint.pt')  # weights-only, as every file mmcl writes
    assert state['epoch'] == 1 and all(torch.equal(state['model'][f'encoder.{k}'], w0[k]) for k in w0)
    hist = [json.loads(l) for l in (run / 'metrics.jsonl').read_text().splitlines()]
    assert [h['epoch'] for h in hist] == [0, 1]
    for h in hist: assert (h['test_top1'] * 16).is_integer() and h['test_top1'] <= h['test_top5']  # the 16 test samples, each counted once
