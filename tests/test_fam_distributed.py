"""FAM's contrastive loss under torch.distributed: two gloo processes on CPU must reproduce the single-process loss
and gradients on the concatenated batch (negatives span the global batch, shards may differ in size)."""
import socket
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from mmcl.fam import ProjectionHead, contrastive_loss

SHARDS = [5, 3]  # unequal on purpose: exercises the padded gather
TAU = 0.4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def make_batch(seed=0):
    "Skeleton and RGB features (8, 16), RGB encoder outputs (8, 12) and a projection head (12 → 16), all seeded."
    gen = torch.Generator().manual_seed(seed)
    n = sum(SHARDS)
    skel, rgb, rgb_out = torch.randn(n, 16, generator=gen), torch.randn(n, 16, generator=gen), torch.randn(n, 12, generator=gen)
    torch.manual_seed(seed)
    return skel, rgb, rgb_out, ProjectionHead(12, 16)


def worker(rank, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=len(SHARDS))
    try:
        skel, rgb, rgb_out, head = make_batch()
        rows = slice(sum(SHARDS[:rank]), sum(SHARDS[:rank + 1]))
        # 1. raw features: the loss and the gradients of this process's rows
        g, c = skel[rows].clone().requires_grad_(), rgb[rows].clone().requires_grad_()
        loss = contrastive_loss(g, c, TAU)
        loss.backward()
        # 2. a projection head under DistributedDataParallel: its averaged parameter gradients
        ddp = DistributedDataParallel(head)
        head_loss = contrastive_loss(skel[rows], ddp(rgb_out[rows]), TAU)
        head_loss.backward()
        torch.save(dict(loss=loss.detach(), g_grad=g.grad, c_grad=c.grad, head_loss=head_loss.detach(),
                        head_grads=[p.grad for p in head.parameters()]), out_dir / f'rank{rank}.pt')
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available in this build")
def test_gathered_loss_equals_single_process(tmp_path):
    mp.spawn(worker, args=(free_port(), tmp_path), nprocs=len(SHARDS), join=True)
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in range(len(SHARDS))]

    skel, rgb, rgb_out, head = make_batch()
    g, c = skel.clone().requires_grad_(), rgb.clone().requires_grad_()
    loss = contrastive_loss(g, c, TAU)
    loss.backward()
    head_loss = contrastive_loss(skel, head(rgb_out), TAU)
    head_loss.backward()

    world = len(SHARDS)
    # the mean over processes (what DDP optimises) is the single-process loss on the whole batch
    torch.testing.assert_close(torch.stack([r['loss'] for r in ranks]).mean(), loss.detach())
    torch.testing.assert_close(torch.stack([r['head_loss'] for r in ranks]).mean(), head_loss.detach())
    # each process's feature gradients are those of the summed loss, world × the single-process ones
    torch.testing.assert_close(torch.cat([r['g_grad'] for r in ranks]) / world, g.grad)
    torch.testing.assert_close(torch.cat([r['c_grad'] for r in ranks]) / world, c.grad)
    # after DDP's averaging, parameter gradients equal the single-process ones (identical on every process)
    for r in ranks:
        for got, want in zip(r['head_grads'], [p.grad for p in head.parameters()]):
            torch.testing.assert_close(got, want)
    # and the gather matters: a process's own-shard loss differs from its share of the global one
    local = contrastive_loss(skel[:SHARDS[0]], head(rgb_out[:SHARDS[0]]), TAU).detach()
    assert not torch.allclose(local, ranks[0]['head_loss'])
