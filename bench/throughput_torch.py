"""PyTorch (CPU) twin of bench/throughput.ts: same model, batch, optimizer and loss; prints one JSON line."""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

# padding=1 is 'same' for 3x3; layout NCHW as PyTorch prefers.
net = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Linear(128, 10),
)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.rand(args.batch, 1, 28, 28)
y = torch.randint(0, 10, (args.batch,))


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


first = step()
for _ in range(args.warmup - 1):
    step()
times = []
last = first
for _ in range(args.steps):
    t0 = time.perf_counter()
    last = step()
    times.append((time.perf_counter() - t0) * 1000)
med = statistics.median(times)
print(json.dumps({
    "backend": "torch-cpu", "threads": torch.get_num_threads(), "imgPerSec": round(args.batch * 1000 / med),
    "stepMs": round(med, 1), "bestStepMs": round(min(times), 1), "steps": args.steps, "warmup": args.warmup,
    "times": [round(t, 1) for t in times], "loss": [round(first, 4), round(last, 4)], "torch": torch.__version__,
}))
