"""Small PyTorch modules that split their channels, as GhostNet and CSP blocks do: exported to
ONNX by export_split_models.py (PyTorch's exporter writes torch.split as Split and a channel
index x[:, :n] as Slice), counted by PyTorch itself with shared/oracle/count.py."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GhostCSP(nn.Module):
    """A Ghost module (a 1x1 conv's 12 channels and a depthwise 3x3 of them, concatenated and cut
    to 20: x[:, :20]), then a CSP-like split of the 20 into 4 + 6 + 10 (torch.split), the last
    part convolved, the parts concatenated, global average pool and a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.primary = nn.Conv2d(16, 12, 1, bias=False)
        self.cheap = nn.Conv2d(12, 12, 3, padding=1, groups=12, bias=False)
        self.part = nn.Conv2d(10, 10, 3, padding=1)
        self.mix = nn.Conv2d(6, 6, 1)
        self.head = nn.Linear(20, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.stem(x)))
        p = self.primary(x)
        g = torch.cat([p, self.cheap(p)], 1)[:, :20]
        a, b, c = torch.split(g, [4, 6, 10], dim=1)
        y = torch.cat([a, self.mix(b), self.part(c)], 1)
        h, t = y.chunk(2, dim=1)  # two halves: Split without sizes (or Slice, by exporter and opset)
        y = torch.cat([t, h], 1)
        return self.head(y.mean((2, 3)))


def ghost_csp() -> nn.Module:
    return GhostCSP()
