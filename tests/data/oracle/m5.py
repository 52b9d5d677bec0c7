"""M5 of Dai et al. 2017 ("Very deep convolutional neural networks for raw waveforms", arXiv:1610.00087, Table 1).

For the oracle (``count.py "m5:m5()" 1x32000``): Conv1d 1->128 k80 s4, BN, ReLU, MaxPool1d(4);
three Conv1d k3 to 128, 256, 512, each with BN, ReLU, MaxPool1d(4); global average over time;
Linear 512 -> 10. Every Conv1d has PyTorch's defaults (bias, padding 0), as the PyTorch
implementations of M5 (torchaudio's speech-command tutorial) write it; the global average is
F.avg_pool1d(x, x.shape[-1]), a function call.
"""
import torch.nn as nn
import torch.nn.functional as F


class M5(nn.Module):
    def __init__(self, n_input=1, n_output=10):
        super().__init__()
        chans = [(n_input, 128, 80, 4), (128, 128, 3, 1), (128, 256, 3, 1), (256, 512, 3, 1)]
        self.features = nn.Sequential(*[
            m for cin, cout, k, s in chans
            for m in (nn.Conv1d(cin, cout, kernel_size=k, stride=s), nn.BatchNorm1d(cout), nn.ReLU(), nn.MaxPool1d(4))
        ])
        self.fc = nn.Linear(512, n_output)

    def forward(self, x):
        x = self.features(x)
        x = F.avg_pool1d(x, x.shape[-1])
        return self.fc(x.flatten(1))


def m5():
    return M5()
