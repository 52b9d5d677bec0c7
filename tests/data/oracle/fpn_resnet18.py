"""torchvision resnet18 layer1..layer4 feeding torchvision.ops.FeaturePyramidNetwork([64, 128, 256, 512], 256).

For the oracle (``count.py "fpn_resnet18:fpn_resnet18()"``): the body is
``IntermediateLayerGetter(resnet18(weights=None), {"layer1": "0", ..., "layer4": "3"})`` (the
stem, max pool and four stages; no avgpool or fc), the FPN has no extra blocks (as
torchvision's BackboneWithFPN, without LastLevelMaxPool), and the outputs are P2..P5.
"""
from collections import OrderedDict

import torch.nn as nn


class FPNResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        from torchvision.models import resnet18
        from torchvision.models._utils import IntermediateLayerGetter
        from torchvision.ops import FeaturePyramidNetwork

        self.body = IntermediateLayerGetter(resnet18(weights=None),
                                            return_layers={"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"})
        self.fpn = FeaturePyramidNetwork([64, 128, 256, 512], 256)

    def forward(self, x):
        feats = self.fpn(self.body(x))
        return OrderedDict((f"p{i + 2}", v) for i, v in enumerate(feats.values()))


def fpn_resnet18():
    return FPNResNet18()
