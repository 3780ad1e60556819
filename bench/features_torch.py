"""PyTorch (CPU) twin of bench/features.ts: the forward pass of the same architectures (random weights,
batch norm folded into conv biases, as the ONNX graphs have it); prints one JSON line."""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--arch", choices=["resnet18", "small"], required=True)
ap.add_argument("--size", type=int, required=True)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--warmup", type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


def conv(cin, cout, k, stride=1):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=True)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = conv(cin, cout, 3, stride)
        self.c2 = conv(cout, cout, 3)
        self.skip = conv(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return torch.relu(self.c2(torch.relu(self.c1(x))) + self.skip(x))


def resnet18():
    layers = [conv(3, 64, 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for i, cout in enumerate([64, 128, 256, 512]):
        for b in range(2):
            layers.append(Block(cin, cout, 2 if i > 0 and b == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def small():
    layers, cin = [], 3
    for cout in [32, 64, 128, 256]:
        layers += [conv(cin, cout, 3, 2), nn.ReLU()]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


net = (resnet18 if args.arch == "resnet18" else small)().eval()
x = torch.rand(args.batch, 3, args.size, args.size)
with torch.inference_mode():
    for _ in range(args.warmup):
        net(x)
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        y = net(x)
        times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"runtime": "torch-cpu", "arch": args.arch, "threads": torch.get_num_threads(), "imgPerSec": round(args.batch / med, 2),
                  "batchMs": round(med * 1000, 1), "dims": list(y.shape), "torch": torch.__version__}))
