"""torch.nn coverage cases for tests/interop/nn_coverage.rs.

`nn-coverage.py generate DIR` enumerates, in the reference PyTorch, the module
classes of `torch.nn.modules.__all__` and the public functions of
`torch.nn.functional`, and writes for each case below a wrapper module
`DIR/<id>/case.tsy` (a `model` whose forward takes tensors `x0`, `x1`, ...).
It runs that file with PyTorch, scripts the model and, where PyTorch scripts
it, saves `weights.safetensors` (its state_dict, BatchNorm statistics
randomized), `inputs.safetensors` (`input0`, ...) and `expected.safetensors`
(the scripted module's outputs, flattened, `output0`, ...). `DIR/cases.json`
lists every name: its cases, or why it has none, or PyTorch's refusal.

`nn-coverage.py lite DIR` loads each `DIR/<id>/ours.ptl` in PyTorch's lite
interpreter, runs it on the inputs and writes into `DIR/lite.json` the
largest difference from the expected outputs (relative to max(1, max|ref|)),
or the error.
"""

import json
import os
import sys
import types
import zlib

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HEADER = """import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import List, Optional, Tuple
"""

# Module classes: constructor, inputs (a Python expression of the helpers
# below, a tuple for several inputs), and the call when it is not
# `self.m(x0, x1, ...)`. A name may have variants `Name[variant]`.
C1, C2, C3 = "f(2, 3, 10)", "f(1, 3, 8, 8)", "f(1, 2, 4, 6, 6)"
MODULES = {
    "AdaptiveAvgPool1d": ("nn.AdaptiveAvgPool1d(5)", C1),
    "AdaptiveAvgPool2d": ("nn.AdaptiveAvgPool2d((3, 4))", C2),
    "AdaptiveAvgPool2d[none]": ("nn.AdaptiveAvgPool2d((None, 3))", C2),
    "AdaptiveAvgPool3d": ("nn.AdaptiveAvgPool3d(2)", C3),
    "AdaptiveLogSoftmaxWithLoss": ("nn.AdaptiveLogSoftmaxWithLoss(16, 10, [4, 8])", "(f(4, 16), i(0, 10, (4,)))"),
    "AdaptiveMaxPool1d": ("nn.AdaptiveMaxPool1d(5)", C1),
    "AdaptiveMaxPool2d": ("nn.AdaptiveMaxPool2d((3, 4))", C2),
    "AdaptiveMaxPool3d": ("nn.AdaptiveMaxPool3d(2)", C3),
    "AlphaDropout": ("nn.AlphaDropout(0.2)", C1),
    "AvgPool1d": ("nn.AvgPool1d(3, stride=2, padding=1)", C1),
    "AvgPool2d": ("nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)", C2),
    "AvgPool3d": ("nn.AvgPool3d(2)", C3),
    "BCELoss": ("nn.BCELoss()", "(u(3, 4), u(3, 4))"),
    "BCEWithLogitsLoss": ("nn.BCEWithLogitsLoss()", "(f(3, 4), u(3, 4))"),
    "BatchNorm1d": ("nn.BatchNorm1d(3)", C1),
    "BatchNorm2d": ("nn.BatchNorm2d(3)", C2),
    "BatchNorm3d": ("nn.BatchNorm3d(2)", C3),
    "Bilinear": ("nn.Bilinear(4, 5, 6)", "(f(3, 4), f(3, 5))"),
    "CELU": ("nn.CELU(alpha=0.5)", C1),
    "CTCLoss": (
        "nn.CTCLoss()",
        "(f(6, 2, 5).log_softmax(2), i(1, 5, (2, 3)), torch.tensor([6, 5]), torch.tensor([3, 2]))",
    ),
    "ChannelShuffle": ("nn.ChannelShuffle(2)", "f(1, 4, 3, 3)"),
    "CircularPad1d": ("nn.CircularPad1d(2)", "f(1, 2, 5)"),
    "CircularPad2d": ("nn.CircularPad2d((1, 2, 1, 0))", "f(1, 2, 4, 4)"),
    "CircularPad3d": ("nn.CircularPad3d(1)", "f(1, 1, 3, 3, 3)"),
    "ConstantPad1d": ("nn.ConstantPad1d(2, 3.5)", "f(1, 2, 5)"),
    "ConstantPad2d": ("nn.ConstantPad2d((1, 2, 0, 1), -1.0)", "f(1, 2, 4, 4)"),
    "ConstantPad3d": ("nn.ConstantPad3d(1, 0.5)", "f(1, 1, 3, 3, 3)"),
    "Conv1d": ("nn.Conv1d(3, 4, 3, stride=2, padding=1)", C1),
    "Conv2d": ("nn.Conv2d(3, 4, 3, padding=1)", C2),
    "Conv2d[groups]": ("nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3, bias=False)", C2),
    "Conv2d[reflect]": ("nn.Conv2d(3, 4, 3, padding=1, padding_mode='reflect')", C2),
    "Conv2d[circular]": ("nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode='circular')", C2),
    "Conv3d": ("nn.Conv3d(2, 3, 3, padding=1)", C3),
    "ConvTranspose1d": ("nn.ConvTranspose1d(3, 4, 3, stride=2)", C1),
    "ConvTranspose2d": ("nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)", C2),
    "ConvTranspose3d": ("nn.ConvTranspose3d(2, 3, 2, stride=2)", C3),
    "CosineEmbeddingLoss": ("nn.CosineEmbeddingLoss(margin=0.2)", "(f(3, 5), f(3, 5), pm(3))"),
    "CosineSimilarity": ("nn.CosineSimilarity(dim=1)", "(f(3, 5), f(3, 5))"),
    "CrossEntropyLoss": ("nn.CrossEntropyLoss(label_smoothing=0.1)", "(f(4, 5), i(0, 5, (4,)))"),
    "CrossMapLRN2d": ("nn.CrossMapLRN2d(3)", "f(1, 4, 5, 5)"),
    "Dropout": ("nn.Dropout(0.3)", C1),
    "Dropout1d": ("nn.Dropout1d(0.3)", C1),
    "Dropout2d": ("nn.Dropout2d(0.3)", C2),
    "Dropout3d": ("nn.Dropout3d(0.3)", C3),
    "ELU": ("nn.ELU(alpha=0.7)", C1),
    "Embedding": ("nn.Embedding(10, 4, padding_idx=0)", "i(0, 10, (2, 3))"),
    "Embedding[max_norm]": ("nn.Embedding(10, 4, max_norm=1.0)", "i(0, 10, (2, 3))"),
    "EmbeddingBag": ("nn.EmbeddingBag(10, 4, mode='mean')", "i(0, 10, (2, 3))"),
    "FeatureAlphaDropout": ("nn.FeatureAlphaDropout(0.2)", C2),
    "Flatten": ("nn.Flatten(1, 2)", "f(2, 3, 4, 5)"),
    "Fold": ("nn.Fold(output_size=(4, 5), kernel_size=2)", "f(1, 8, 12)"),
    "FractionalMaxPool2d": ("nn.FractionalMaxPool2d(2, output_size=3, _random_samples=torch.rand(1, 3, 2))", C2),
    "FractionalMaxPool3d": ("nn.FractionalMaxPool3d(2, output_size=2, _random_samples=torch.rand(1, 2, 3))", C3),
    "GELU": ("nn.GELU(approximate='tanh')", C1),
    "GLU": ("nn.GLU(dim=1)", "f(2, 4, 3)"),
    "GRU": ("nn.GRU(4, 5, num_layers=2, batch_first=True)", "f(2, 3, 4)"),
    "GRUCell": ("nn.GRUCell(4, 5)", "f(3, 4)"),
    "GaussianNLLLoss": ("nn.GaussianNLLLoss()", "(f(3, 4), f(3, 4), p(3, 4))"),
    "GroupNorm": ("nn.GroupNorm(2, 4)", "f(2, 4, 3, 3)"),
    "Hardshrink": ("nn.Hardshrink(0.3)", C1),
    "Hardsigmoid": ("nn.Hardsigmoid()", C1),
    "Hardswish": ("nn.Hardswish()", C1),
    "Hardtanh": ("nn.Hardtanh(-0.5, 0.8)", C1),
    "HingeEmbeddingLoss": ("nn.HingeEmbeddingLoss(margin=0.5)", "(f(3, 4), pm(3, 4))"),
    "HuberLoss": ("nn.HuberLoss(delta=0.5)", "(f(3, 4), f(3, 4))"),
    "Identity": ("nn.Identity()", C1),
    "InstanceNorm1d": ("nn.InstanceNorm1d(3, affine=True)", C1),
    "InstanceNorm2d": ("nn.InstanceNorm2d(3)", "f(2, 3, 6, 6)"),
    "InstanceNorm2d[running]": ("nn.InstanceNorm2d(3, track_running_stats=True)", "f(2, 3, 6, 6)"),
    "InstanceNorm3d": ("nn.InstanceNorm3d(2, affine=True)", C3),
    "KLDivLoss": ("nn.KLDivLoss(reduction='batchmean')", "(f(3, 4).log_softmax(1), u(3, 4))"),
    "L1Loss": ("nn.L1Loss()", "(f(3, 4), f(3, 4))"),
    "LPPool1d": ("nn.LPPool1d(2, 3, stride=2)", "p(2, 3, 10)"),
    "LPPool2d": ("nn.LPPool2d(3, 2)", "p(1, 3, 8, 8)"),
    "LPPool3d": ("nn.LPPool3d(2, 2)", "p(1, 2, 4, 4, 4)"),
    "LSTM": ("nn.LSTM(4, 5, batch_first=True)", "f(2, 3, 4)"),
    "LSTM[proj]": ("nn.LSTM(4, 5, num_layers=2, proj_size=3)", "f(3, 2, 4)"),
    "LSTMCell": ("nn.LSTMCell(4, 5)", "f(3, 4)"),
    "LayerNorm": ("nn.LayerNorm([3, 4])", "f(2, 3, 4)"),
    "LazyBatchNorm1d": ("nn.LazyBatchNorm1d()", C1),
    "LazyBatchNorm2d": ("nn.LazyBatchNorm2d()", C2),
    "LazyBatchNorm3d": ("nn.LazyBatchNorm3d()", C3),
    "LazyConv1d": ("nn.LazyConv1d(4, 3)", C1),
    "LazyConv2d": ("nn.LazyConv2d(4, 3)", C2),
    "LazyConv3d": ("nn.LazyConv3d(3, 3)", C3),
    "LazyConvTranspose1d": ("nn.LazyConvTranspose1d(4, 3)", C1),
    "LazyConvTranspose2d": ("nn.LazyConvTranspose2d(4, 3)", C2),
    "LazyConvTranspose3d": ("nn.LazyConvTranspose3d(3, 2)", C3),
    "LazyInstanceNorm1d": ("nn.LazyInstanceNorm1d()", C1),
    "LazyInstanceNorm2d": ("nn.LazyInstanceNorm2d()", C2),
    "LazyInstanceNorm3d": ("nn.LazyInstanceNorm3d()", C3),
    "LazyLinear": ("nn.LazyLinear(4)", "f(2, 3)"),
    "LeakyReLU": ("nn.LeakyReLU(0.2)", C1),
    "Linear": ("nn.Linear(4, 6)", "f(2, 4)"),
    "LocalResponseNorm": ("nn.LocalResponseNorm(3)", "f(1, 4, 5, 5)"),
    "LogSigmoid": ("nn.LogSigmoid()", C1),
    "LogSoftmax": ("nn.LogSoftmax(dim=1)", C1),
    "MSELoss": ("nn.MSELoss(reduction='sum')", "(f(3, 4), f(3, 4))"),
    "MarginRankingLoss": ("nn.MarginRankingLoss(margin=0.1)", "(f(4), f(4), pm(4))"),
    "MaxPool1d": ("nn.MaxPool1d(3, stride=2)", C1),
    "MaxPool2d": ("nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", C2),
    "MaxPool2d[indices]": ("nn.MaxPool2d(2, return_indices=True)", C2),
    "MaxPool3d": ("nn.MaxPool3d(2)", C3),
    "MaxUnpool1d": ("nn.MaxUnpool1d(2)", "pooled(1, (1, 2, 8))"),
    "MaxUnpool2d": ("nn.MaxUnpool2d(2)", "pooled(2, (1, 2, 4, 4))"),
    "MaxUnpool3d": ("nn.MaxUnpool3d(2)", "pooled(3, (1, 1, 4, 4, 4))"),
    "Mish": ("nn.Mish()", C1),
    "ModuleDict": ("nn.ModuleDict({'a': nn.ReLU(), 'b': nn.Tanh()})", C1, "self.m['b'](self.m['a'](x0))"),
    "ModuleList": ("nn.ModuleList([nn.Linear(4, 4), nn.Tanh()])", "f(2, 4)", "self.m[1](self.m[0](x0))"),
    "MultiLabelMarginLoss": (
        "nn.MultiLabelMarginLoss()",
        "(f(3, 4), torch.tensor([[3, 0, -1, 1], [1, 2, -1, 0], [0, -1, 2, 3]]))",
    ),
    "MultiLabelSoftMarginLoss": ("nn.MultiLabelSoftMarginLoss()", "(f(3, 4), i(0, 2, (3, 4)).float())"),
    "MultiMarginLoss": ("nn.MultiMarginLoss(p=1, margin=0.5)", "(f(3, 5), i(0, 5, (3,)))"),
    "MultiheadAttention": ("nn.MultiheadAttention(8, 2, batch_first=True)", "(f(2, 3, 8), f(2, 4, 8), f(2, 4, 8))"),
    "NLLLoss": ("nn.NLLLoss()", "(f(4, 5).log_softmax(1), i(0, 5, (4,)))"),
    "NLLLoss2d": ("nn.NLLLoss2d()", "(f(2, 3, 4, 4).log_softmax(1), i(0, 3, (2, 4, 4)))"),
    "PReLU": ("nn.PReLU(3)", C1),
    "PairwiseDistance": ("nn.PairwiseDistance(p=1.5)", "(f(3, 5), f(3, 5))"),
    "ParameterDict": ("nn.ParameterDict({'a': nn.Parameter(torch.rand(10))})", C1, "x0 * self.m['a']"),
    "ParameterList": (
        "nn.ParameterList([nn.Parameter(torch.rand(10)), nn.Parameter(torch.rand(10))])",
        C1,
        "x0 * self.m[0] + self.m[1]",
    ),
    "PixelShuffle": ("nn.PixelShuffle(2)", "f(1, 8, 3, 3)"),
    "PixelUnshuffle": ("nn.PixelUnshuffle(2)", "f(1, 2, 4, 4)"),
    "PoissonNLLLoss": ("nn.PoissonNLLLoss()", "(f(3, 4), p(3, 4))"),
    "RMSNorm": ("nn.RMSNorm([4])", "f(2, 3, 4)"),
    "RNN": ("nn.RNN(4, 5, nonlinearity='relu')", "f(3, 2, 4)"),
    "RNNCell": ("nn.RNNCell(4, 5)", "f(3, 4)"),
    "RReLU": ("nn.RReLU(0.1, 0.3)", C1),
    "ReLU": ("nn.ReLU()", C1),
    "ReLU6": ("nn.ReLU6()", "f(2, 3, 10) * 5"),
    "ReflectionPad1d": ("nn.ReflectionPad1d(2)", "f(1, 2, 5)"),
    "ReflectionPad2d": ("nn.ReflectionPad2d((1, 1, 2, 0))", "f(1, 2, 4, 4)"),
    "ReflectionPad3d": ("nn.ReflectionPad3d(1)", "f(1, 1, 3, 3, 3)"),
    "ReplicationPad1d": ("nn.ReplicationPad1d(2)", "f(1, 2, 5)"),
    "ReplicationPad2d": ("nn.ReplicationPad2d((1, 1, 2, 0))", "f(1, 2, 4, 4)"),
    "ReplicationPad3d": ("nn.ReplicationPad3d(1)", "f(1, 1, 3, 3, 3)"),
    "SELU": ("nn.SELU()", C1),
    "Sequential": ("nn.Sequential(nn.Linear(4, 3), nn.ReLU())", "f(2, 4)"),
    "SiLU": ("nn.SiLU()", C1),
    "Sigmoid": ("nn.Sigmoid()", C1),
    "SmoothL1Loss": ("nn.SmoothL1Loss(beta=0.5)", "(f(3, 4), f(3, 4))"),
    "SoftMarginLoss": ("nn.SoftMarginLoss()", "(f(3, 4), pm(3, 4))"),
    "Softmax": ("nn.Softmax(dim=-1)", C1),
    "Softmax2d": ("nn.Softmax2d()", "f(1, 3, 4, 4)"),
    "Softmin": ("nn.Softmin(dim=1)", C1),
    "Softplus": ("nn.Softplus(beta=2.0, threshold=1.0)", C1),
    "Softshrink": ("nn.Softshrink(0.3)", C1),
    "Softsign": ("nn.Softsign()", C1),
    "SyncBatchNorm": ("nn.SyncBatchNorm(3)", C1),
    "Tanh": ("nn.Tanh()", C1),
    "Tanhshrink": ("nn.Tanhshrink()", C1),
    "Threshold": ("nn.Threshold(0.1, 20.0)", C1),
    "Transformer": (
        "nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16, batch_first=True)",
        "(f(2, 5, 8), f(2, 4, 8))",
    ),
    "TransformerDecoder": (
        "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), 2)",
        "(f(2, 4, 8), f(2, 5, 8))",
    ),
    "TransformerDecoderLayer": ("nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)", "(f(2, 4, 8), f(2, 5, 8))"),
    "TransformerEncoder": (
        "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, enable_nested_tensor=False)",
        "f(2, 5, 8)",
    ),
    "TransformerEncoderLayer": ("nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)", "f(2, 5, 8)"),
    "TripletMarginLoss": ("nn.TripletMarginLoss(margin=0.5)", "(f(3, 5), f(3, 5), f(3, 5))"),
    "TripletMarginWithDistanceLoss": ("nn.TripletMarginWithDistanceLoss()", "(f(3, 5), f(3, 5), f(3, 5))"),
    "Unflatten": ("nn.Unflatten(1, (2, 3))", "f(2, 6, 4)"),
    "Unfold": ("nn.Unfold(kernel_size=2, stride=1)", "f(1, 2, 4, 4)"),
    "Upsample": ("nn.Upsample(scale_factor=2.0, mode='nearest')", "f(1, 2, 3, 3)"),
    "Upsample[bilinear]": ("nn.Upsample(size=(5, 7), mode='bilinear', align_corners=False)", "f(1, 2, 3, 4)"),
    "Upsample[bicubic]": ("nn.Upsample(scale_factor=1.5, mode='bicubic', align_corners=True)", "f(1, 2, 4, 4)"),
    "Upsample[linear]": ("nn.Upsample(scale_factor=2.5, mode='linear')", "f(1, 2, 5)"),
    "Upsample[trilinear]": ("nn.Upsample(size=(3, 5, 4), mode='trilinear')", "f(1, 1, 2, 3, 3)"),
    "UpsamplingBilinear2d": ("nn.UpsamplingBilinear2d(scale_factor=2.0)", "f(1, 2, 3, 3)"),
    "UpsamplingNearest2d": ("nn.UpsamplingNearest2d(size=(5, 6))", "f(1, 2, 3, 3)"),
    "ZeroPad1d": ("nn.ZeroPad1d(2)", "f(1, 2, 5)"),
    "ZeroPad2d": ("nn.ZeroPad2d((1, 0, 2, 1))", "f(1, 2, 4, 4)"),
    "ZeroPad3d": ("nn.ZeroPad3d(1)", "f(1, 1, 3, 3, 3)"),
}

# Names that are no layer of their own: not counted.
MODULES_EXCLUDED = {
    "Module": "the base class of every layer",
    "Container": "a deprecated base class",
    "RNNBase": "the base class of RNN, LSTM and GRU",
    "RNNCellBase": "the base class of RNNCell, LSTMCell and GRUCell",
}

# Functionals: the call (of `x0`, `x1`, ...) and the inputs.
FUNCTIONALS = {
    "adaptive_avg_pool1d": ("F.adaptive_avg_pool1d(x0, 5)", C1),
    "adaptive_avg_pool2d": ("F.adaptive_avg_pool2d(x0, (3, 4))", C2),
    "adaptive_avg_pool3d": ("F.adaptive_avg_pool3d(x0, 2)", C3),
    "adaptive_max_pool1d": ("F.adaptive_max_pool1d(x0, 5)", C1),
    "adaptive_max_pool1d_with_indices": ("F.adaptive_max_pool1d_with_indices(x0, 5)", C1),
    "adaptive_max_pool2d": ("F.adaptive_max_pool2d(x0, (3, 4))", C2),
    "adaptive_max_pool2d_with_indices": ("F.adaptive_max_pool2d_with_indices(x0, (3, 4))", C2),
    "adaptive_max_pool3d": ("F.adaptive_max_pool3d(x0, 2)", C3),
    "adaptive_max_pool3d_with_indices": ("F.adaptive_max_pool3d_with_indices(x0, 2)", C3),
    "affine_grid": ("F.affine_grid(x0, [1, 3, 4, 5], align_corners=False)", "f(1, 2, 3)"),
    "alpha_dropout": ("F.alpha_dropout(x0, 0.2, training=False)", C1),
    "assert_int_or_pair": ("F.assert_int_or_pair([2, 2], 'kernel_size', 'must be a pair')", C1, "x0"),
    "avg_pool1d": ("F.avg_pool1d(x0, 3, 2, 1)", C1),
    "avg_pool2d": ("F.avg_pool2d(x0, 2, divisor_override=3)", C2),
    "avg_pool3d": ("F.avg_pool3d(x0, 2)", C3),
    "batch_norm": ("F.batch_norm(x0, x1, x2, x3, x4)", "(f(2, 3, 4), f(3), p(3), f(3), f(3))"),
    "bilinear": ("F.bilinear(x0, x1, x2, x3)", "(f(3, 4), f(3, 5), f(6, 4, 5), f(6))"),
    "binary_cross_entropy": ("F.binary_cross_entropy(x0, x1)", "(u(3, 4), u(3, 4))"),
    "binary_cross_entropy_with_logits": (
        "F.binary_cross_entropy_with_logits(x0, x1, pos_weight=x2)",
        "(f(3, 4), u(3, 4), p(4))",
    ),
    "celu": ("F.celu(x0, 0.5)", C1),
    "celu_": ("F.celu_(x0)", C1),
    "channel_shuffle": ("F.channel_shuffle(x0, 2)", "f(1, 4, 3, 3)"),
    "conv1d": ("F.conv1d(x0, x1, x2, stride=2)", "(f(2, 3, 10), f(4, 3, 3), f(4))"),
    "conv2d": ("F.conv2d(x0, x1, x2, padding=1)", "(f(1, 3, 8, 8), f(4, 3, 3, 3), f(4))"),
    "conv3d": ("F.conv3d(x0, x1, padding=1)", "(f(1, 2, 4, 6, 6), f(3, 2, 3, 3, 3))"),
    "conv_tbc": ("F.conv_tbc(x0, x1, x2, 1)", "(f(6, 2, 3), f(3, 3, 4), f(4))"),
    "conv_transpose1d": ("F.conv_transpose1d(x0, x1, x2, stride=2)", "(f(2, 3, 10), f(3, 4, 3), f(4))"),
    "conv_transpose2d": ("F.conv_transpose2d(x0, x1, stride=2, padding=1)", "(f(1, 3, 8, 8), f(3, 4, 3, 3))"),
    "conv_transpose3d": ("F.conv_transpose3d(x0, x1, stride=2)", "(f(1, 2, 4, 6, 6), f(2, 3, 2, 2, 2))"),
    "cosine_embedding_loss": ("F.cosine_embedding_loss(x0, x1, x2, margin=0.2)", "(f(3, 5), f(3, 5), pm(3))"),
    "cosine_similarity": ("F.cosine_similarity(x0, x1, dim=1)", "(f(3, 5), f(3, 5))"),
    "cross_entropy": ("F.cross_entropy(x0, x1, label_smoothing=0.1)", "(f(4, 5), i(0, 5, (4,)))"),
    "ctc_loss": (
        "F.ctc_loss(x0, x1, x2, x3)",
        "(f(6, 2, 5).log_softmax(2), i(1, 5, (2, 3)), torch.tensor([6, 5]), torch.tensor([3, 2]))",
    ),
    "dropout": ("F.dropout(x0, 0.3, training=False)", C1),
    "dropout1d": ("F.dropout1d(x0, 0.3, training=False)", C1),
    "dropout2d": ("F.dropout2d(x0, 0.3, training=False)", C2),
    "dropout3d": ("F.dropout3d(x0, 0.3, training=False)", C3),
    "elu": ("F.elu(x0, 0.7)", C1),
    "elu_": ("F.elu_(x0)", C1),
    "embedding": ("F.embedding(x0, x1, padding_idx=0)", "(i(0, 10, (2, 3)), f(10, 4))"),
    "embedding[max_norm]": ("F.embedding(x0, x1, max_norm=1.0)", "(i(0, 10, (2, 3)), f(10, 4))"),
    "embedding_bag": ("F.embedding_bag(x0, x1, mode='sum')", "(i(0, 10, (2, 3)), f(10, 4))"),
    "feature_alpha_dropout": ("F.feature_alpha_dropout(x0, 0.2, False)", C2),
    "fold": ("F.fold(x0, (4, 5), 2)", "f(1, 8, 12)"),
    "fractional_max_pool2d": ("F.fractional_max_pool2d(x0, 2, output_size=3, _random_samples=x1)", f"({C2}, u(1, 3, 2))"),
    "fractional_max_pool2d_with_indices": (
        "F.fractional_max_pool2d_with_indices(x0, 2, output_size=3, _random_samples=x1)",
        f"({C2}, u(1, 3, 2))",
    ),
    "fractional_max_pool3d": ("F.fractional_max_pool3d(x0, 2, output_size=2, _random_samples=x1)", f"({C3}, u(1, 2, 3))"),
    "fractional_max_pool3d_with_indices": (
        "F.fractional_max_pool3d_with_indices(x0, 2, output_size=2, _random_samples=x1)",
        f"({C3}, u(1, 2, 3))",
    ),
    "gaussian_nll_loss": ("F.gaussian_nll_loss(x0, x1, x2)", "(f(3, 4), f(3, 4), p(3, 4))"),
    "gelu": ("F.gelu(x0, approximate='tanh')", C1),
    "glu": ("F.glu(x0, 1)", "f(2, 4, 3)"),
    "grid_sample": ("F.grid_sample(x0, x1, align_corners=False)", "(f(1, 2, 4, 5), f(1, 3, 3, 2).tanh())"),
    "group_norm": ("F.group_norm(x0, 2, x1, x2)", "(f(2, 4, 3, 3), f(4), f(4))"),
    "hardshrink": ("F.hardshrink(x0, 0.3)", C1),
    "hardsigmoid": ("F.hardsigmoid(x0)", C1),
    "hardswish": ("F.hardswish(x0)", C1),
    "hardtanh": ("F.hardtanh(x0, -0.5, 0.8)", C1),
    "hardtanh_": ("F.hardtanh_(x0, -0.5, 0.8)", C1),
    "hinge_embedding_loss": ("F.hinge_embedding_loss(x0, x1, margin=0.5)", "(f(3, 4), pm(3, 4))"),
    "huber_loss": ("F.huber_loss(x0, x1, delta=0.5)", "(f(3, 4), f(3, 4))"),
    "instance_norm": ("F.instance_norm(x0)", "f(2, 3, 6, 6)"),
    "instance_norm[affine]": ("F.instance_norm(x0, weight=x1, bias=x2)", "(f(2, 3, 6, 6), f(3), f(3))"),
    "interpolate": ("F.interpolate(x0, scale_factor=2.0)", "f(1, 2, 3, 3)"),
    "interpolate[bilinear]": ("F.interpolate(x0, size=(5, 7), mode='bilinear')", "f(1, 2, 3, 4)"),
    "interpolate[bilinear_align]": ("F.interpolate(x0, scale_factor=1.7, mode='bilinear', align_corners=True)", "f(1, 2, 3, 4)"),
    "interpolate[bicubic]": ("F.interpolate(x0, size=(6, 5), mode='bicubic')", "f(1, 2, 4, 4)"),
    "interpolate[nearest_exact]": ("F.interpolate(x0, scale_factor=1.5, mode='nearest-exact')", "f(1, 2, 4, 4)"),
    "interpolate[area]": ("F.interpolate(x0, size=(2, 3), mode='area')", "f(1, 2, 4, 6)"),
    "kl_div": ("F.kl_div(x0, x1, reduction='batchmean')", "(f(3, 4).log_softmax(1), u(3, 4))"),
    "l1_loss": ("F.l1_loss(x0, x1)", "(f(3, 4), f(3, 4))"),
    "layer_norm": ("F.layer_norm(x0, [4], x1, x2)", "(f(2, 3, 4), f(4), f(4))"),
    "leaky_relu": ("F.leaky_relu(x0, 0.2)", C1),
    "leaky_relu_": ("F.leaky_relu_(x0, 0.2)", C1),
    "linear": ("F.linear(x0, x1, x2)", "(f(2, 4), f(6, 4), f(6))"),
    "local_response_norm": ("F.local_response_norm(x0, 3)", "f(1, 4, 5, 5)"),
    "log_softmax": ("F.log_softmax(x0, 1)", C1),
    "logsigmoid": ("F.logsigmoid(x0)", C1),
    "lp_pool1d": ("F.lp_pool1d(x0, 2.0, 3)", "p(2, 3, 10)"),
    "lp_pool2d": ("F.lp_pool2d(x0, 2.0, 2)", "p(1, 3, 8, 8)"),
    "lp_pool3d": ("F.lp_pool3d(x0, 2.0, 2)", "p(1, 2, 4, 4, 4)"),
    "margin_ranking_loss": ("F.margin_ranking_loss(x0, x1, x2, margin=0.1)", "(f(4), f(4), pm(4))"),
    "max_pool1d": ("F.max_pool1d(x0, 3, 2)", C1),
    "max_pool1d_with_indices": ("F.max_pool1d_with_indices(x0, 3, 2)", C1),
    "max_pool2d": ("F.max_pool2d(x0, 3, 2, 1, ceil_mode=True)", C2),
    "max_pool2d[indices]": ("F.max_pool2d(x0, 2, return_indices=True)", C2),
    "max_pool2d_with_indices": ("F.max_pool2d_with_indices(x0, 2)", C2),
    "max_pool3d": ("F.max_pool3d(x0, 2)", C3),
    "max_pool3d_with_indices": ("F.max_pool3d_with_indices(x0, 2)", C3),
    "max_unpool1d": ("F.max_unpool1d(x0, x1, 2)", "pooled(1, (1, 2, 8))"),
    "max_unpool2d": ("F.max_unpool2d(x0, x1, 2)", "pooled(2, (1, 2, 4, 4))"),
    "max_unpool3d": ("F.max_unpool3d(x0, x1, 2)", "pooled(3, (1, 1, 4, 4, 4))"),
    "mish": ("F.mish(x0)", C1),
    "mse_loss": ("F.mse_loss(x0, x1)", "(f(3, 4), f(3, 4))"),
    "multi_head_attention_forward": (
        "F.multi_head_attention_forward(x0, x1, x2, 8, 2, x3, x4, None, None, False, 0.0, x5, x6, training=False)",
        "(f(5, 2, 8), f(4, 2, 8), f(4, 2, 8), f(24, 8), f(24), f(8, 8), f(8))",
    ),
    "multi_margin_loss": ("F.multi_margin_loss(x0, x1, p=1, margin=0.5)", "(f(3, 5), i(0, 5, (3,)))"),
    "multilabel_margin_loss": (
        "F.multilabel_margin_loss(x0, x1)",
        "(f(3, 4), torch.tensor([[3, 0, -1, 1], [1, 2, -1, 0], [0, -1, 2, 3]]))",
    ),
    "multilabel_soft_margin_loss": ("F.multilabel_soft_margin_loss(x0, x1)", "(f(3, 4), i(0, 2, (3, 4)).float())"),
    "native_channel_shuffle": ("F.native_channel_shuffle(x0, 2)", "f(1, 4, 3, 3)"),
    "nll_loss": ("F.nll_loss(x0, x1)", "(f(4, 5).log_softmax(1), i(0, 5, (4,)))"),
    "normalize": ("F.normalize(x0, p=1.5, dim=1)", C1),
    "one_hot": ("F.one_hot(x0, 5)", "i(0, 5, (3,))"),
    "pad": ("F.pad(x0, [1, 2], value=0.5)", C1),
    "pad[reflect]": ("F.pad(x0, [1, 2, 2, 1], mode='reflect')", C2),
    "pad[replicate]": ("F.pad(x0, [1, 2], mode='replicate')", C1),
    "pad[circular]": ("F.pad(x0, [1, 2, 2, 1], mode='circular')", C2),
    "pairwise_distance": ("F.pairwise_distance(x0, x1, p=1.5)", "(f(3, 5), f(3, 5))"),
    "pdist": ("F.pdist(x0)", "f(5, 3)"),
    "pixel_shuffle": ("F.pixel_shuffle(x0, 2)", "f(1, 8, 3, 3)"),
    "pixel_unshuffle": ("F.pixel_unshuffle(x0, 2)", "f(1, 2, 4, 4)"),
    "poisson_nll_loss": ("F.poisson_nll_loss(x0, x1)", "(f(3, 4), p(3, 4))"),
    "prelu": ("F.prelu(x0, x1)", "(f(2, 3, 10), f(3))"),
    "relu": ("F.relu(x0)", C1),
    "relu6": ("F.relu6(x0)", "f(2, 3, 10) * 5"),
    "relu_": ("F.relu_(x0)", C1),
    "rms_norm": ("F.rms_norm(x0, [4], x1, eps=1e-6)", "(f(2, 3, 4), f(4))"),
    "rrelu": ("F.rrelu(x0, training=False)", C1),
    "rrelu_": ("F.rrelu_(x0, training=False)", C1),
    "scaled_dot_product_attention": ("F.scaled_dot_product_attention(x0, x1, x2, is_causal=True)", "(f(2, 2, 4, 8), f(2, 2, 4, 8), f(2, 2, 4, 8))"),
    "scaled_dot_product_attention[mask]": (
        "F.scaled_dot_product_attention(x0, x1, x2, attn_mask=x3)",
        "(f(2, 2, 4, 8), f(2, 2, 5, 8), f(2, 2, 5, 8), f(4, 5))",
    ),
    "selu": ("F.selu(x0)", C1),
    "selu_": ("F.selu_(x0)", C1),
    "sigmoid": ("F.sigmoid(x0)", C1),
    "silu": ("F.silu(x0)", C1),
    "smooth_l1_loss": ("F.smooth_l1_loss(x0, x1, beta=0.5)", "(f(3, 4), f(3, 4))"),
    "soft_margin_loss": ("F.soft_margin_loss(x0, x1)", "(f(3, 4), pm(3, 4))"),
    "softmax": ("F.softmax(x0, 1)", C1),
    "softmin": ("F.softmin(x0, 1)", C1),
    "softplus": ("F.softplus(x0, 2.0, 1.0)", C1),
    "softshrink": ("F.softshrink(x0, 0.3)", C1),
    "softsign": ("F.softsign(x0)", C1),
    "tanh": ("F.tanh(x0)", C1),
    "tanhshrink": ("F.tanhshrink(x0)", C1),
    "threshold": ("F.threshold(x0, 0.1, 20.0)", C1),
    "threshold_": ("F.threshold_(x0, 0.1, 20.0)", C1),
    "triplet_margin_loss": ("F.triplet_margin_loss(x0, x1, x2, margin=0.5)", "(f(3, 5), f(3, 5), f(3, 5))"),
    "triplet_margin_with_distance_loss": (
        "F.triplet_margin_with_distance_loss(x0, x1, x2)",
        "(f(3, 5), f(3, 5), f(3, 5))",
    ),
    "unfold": ("F.unfold(x0, 2)", "f(1, 2, 4, 4)"),
    "upsample": ("F.upsample(x0, scale_factor=2.0)", "f(1, 2, 3, 3)"),
    "upsample_bilinear": ("F.upsample_bilinear(x0, scale_factor=2.0)", "f(1, 2, 3, 3)"),
    "upsample_nearest": ("F.upsample_nearest(x0, scale_factor=2.0)", "f(1, 2, 3, 3)"),
}

# Functionals without a case: counted as missing.
FUNCTIONALS_WITHOUT_CASE = {
    "gumbel_softmax": "draws random numbers: tsc's stream is its own, so no output compares",
}

# Module-level names of torch.nn.functional that are not functionals.
NOT_FUNCTIONALS = {"boolean_dispatch", "handle_torch_function"}


def f(*shape):
    return torch.randn(*shape)


def u(*shape):
    return torch.rand(*shape)


def p(*shape):
    return torch.rand(*shape) + 0.1


def i(low, high, shape):
    return torch.randint(low, high, shape)


def pm(*shape):
    return torch.randint(0, 2, shape).float() * 2 - 1


def pooled(dims, shape):
    pool = [F.max_pool1d, F.max_pool2d, F.max_pool3d][dims - 1]
    return pool(torch.randn(*shape), 2, return_indices=True)


def functionals():
    out = []
    for name in dir(F):
        value = getattr(F, name)
        if name.startswith("_") or name in NOT_FUNCTIONALS or not callable(value):
            continue
        if isinstance(value, types.ModuleType) or isinstance(value, type):
            continue
        module = getattr(value, "__module__", None) or ""
        if not module.startswith("torch") or module.startswith("torch._C") and not module.startswith("torch._C._nn"):
            continue
        out.append(name)
    return out


def case_source(kind, spec):
    n = len(as_tuple(eval(spec[1])))
    args = ", ".join(f"x{k}" for k in range(n))
    params = ", ".join(f"x{k}: torch.Tensor" for k in range(n))
    init = ""
    if kind == "module":
        call = spec[2] if len(spec) > 2 else f"self.m({args})"
        body = f"        return {call}\n"
        init = f"    def __init__(self):\n        super().__init__()\n        self.m = {spec[0]}\n\n"
    elif len(spec) > 2:
        body = f"        {spec[0]}\n        return {spec[2]}\n"
    else:
        body = f"        return {spec[0]}\n"
    return f"{HEADER}\n\nclass Case(nn.Module):\n{init}    def forward(self, {params}):\n{body}\n\nmodel = Case().eval()\n"


def as_tuple(v):
    return v if isinstance(v, tuple) else (v,)


def flatten(v):
    if isinstance(v, (tuple, list)):
        return [y for x in v for y in flatten(x)]
    if isinstance(v, bool):
        return [torch.tensor(v)]
    if isinstance(v, (int, float)):
        return [torch.tensor(v, dtype=torch.int64 if isinstance(v, int) else torch.float64)]
    return [v]


def first_line(e):
    line = next((line.strip() for line in str(e).splitlines() if line.strip()), "")
    return f"{type(e).__name__}: {line}"


def generate(out_dir):
    import runpy
    import warnings

    warnings.simplefilter("ignore")
    names = {
        "module": [n for n in torch.nn.modules.__all__],
        "functional": functionals(),
    }
    specs = {"module": MODULES, "functional": FUNCTIONALS}
    without = {"module": {}, "functional": FUNCTIONALS_WITHOUT_CASE}
    listing = []
    for kind in ("module", "functional"):
        for name in names[kind]:
            entry = {"kind": kind, "name": name, "cases": []}
            listing.append(entry)
            if kind == "module" and name in MODULES_EXCLUDED:
                entry["excluded"] = MODULES_EXCLUDED[name]
                continue
            if name in without[kind]:
                entry["without_case"] = without[kind][name]
                continue
            ids = [k for k in specs[kind] if k == name or k.startswith(name + "[")]
            if not ids:
                entry["without_case"] = "no case written yet"
            for case_id in ids:
                entry["cases"].append(one_case(out_dir, kind, case_id, specs[kind][case_id], runpy))
    for kind in ("module", "functional"):
        for case_id in specs[kind]:
            assert case_id.split("[")[0] in names[kind], f"{case_id}: not a torch.nn {kind} of this PyTorch"
    with open(os.path.join(out_dir, "cases.json"), "w") as fh:
        json.dump(listing, fh, indent=1)


def one_case(out_dir, kind, case_id, spec, runpy):
    key = f"{kind}/{case_id}"
    directory = os.path.join(out_dir, kind, case_id.replace("[", "-").replace("]", ""))
    os.makedirs(directory, exist_ok=True)
    seed = zlib.crc32(key.encode())
    torch.manual_seed(seed)
    source = case_source(kind, spec)
    path = os.path.join(directory, "case.tsy")
    with open(path, "w") as fh:
        fh.write(source)
    case = {"id": case_id, "dir": directory}
    try:
        torch.manual_seed(seed)
        model = runpy.run_path(path)["model"]
        with torch.no_grad():
            for name, buf in model.named_buffers():
                if name.endswith("running_mean"):
                    buf.normal_(0, 0.5)
                elif name.endswith("running_var"):
                    buf.uniform_(0.5, 1.5)
        scripted = torch.jit.script(model)
    except Exception as e:
        case["pytorch_refuses"] = first_line(e)
        return case
    torch.manual_seed(seed + 1)
    inputs = as_tuple(eval(spec[1]))
    try:
        with torch.no_grad():
            outputs = flatten(scripted(*[x.clone() for x in inputs]))
    except Exception as e:
        case["pytorch_refuses"] = "scripted, but its forward raises: " + first_line(e)
        return case
    if not all(isinstance(y, torch.Tensor) for y in outputs):
        case["pytorch_refuses"] = "an output is not a tensor or number"
        return case
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    case["weights"] = bool(state)
    if state:
        save_file(state, os.path.join(directory, "weights.safetensors"))
    save_file({f"input{k}": x.contiguous() for k, x in enumerate(inputs)}, os.path.join(directory, "inputs.safetensors"))
    save_file({f"output{k}": y.contiguous() for k, y in enumerate(outputs)}, os.path.join(directory, "expected.safetensors"))
    return case


def lite(out_dir):
    from torch.jit.mobile import _load_for_lite_interpreter

    with open(os.path.join(out_dir, "cases.json")) as fh:
        listing = json.load(fh)
    report = {}
    for entry in listing:
        for case in entry["cases"]:
            ptl = os.path.join(case["dir"], "ours.ptl")
            if not os.path.exists(ptl):
                continue
            key = f"{entry['kind']}/{case['id']}"
            try:
                m = _load_for_lite_interpreter(ptl)
                stored = load_file(os.path.join(case["dir"], "inputs.safetensors"))
                inputs = [stored[f"input{k}"] for k in range(len(stored))]
                expected = load_file(os.path.join(case["dir"], "expected.safetensors"))
                refs = [expected[f"output{k}"] for k in range(len(expected))]
                with torch.no_grad():
                    got = flatten(m(*inputs))
                if len(got) != len(refs):
                    report[key] = f"{len(got)} outputs, expected {len(refs)}"
                    continue
                error = 0.0
                for g, r in zip(got, refs):
                    if g.shape != r.shape or g.dtype != r.dtype:
                        raise ValueError(f"{g.dtype}{list(g.shape)}, expected {r.dtype}{list(r.shape)}")
                    if r.is_floating_point():
                        scale = max(1.0, float(r.double().abs().max())) if r.numel() else 1.0
                        error = max(error, float((g.double() - r.double()).abs().max()) / scale if r.numel() else 0.0)
                    elif not torch.equal(g, r):
                        error = float("inf")
                report[key] = error
            except Exception as e:
                report[key] = first_line(e)
    with open(os.path.join(out_dir, "lite.json"), "w") as fh:
        json.dump(report, fh)


if __name__ == "__main__":
    {"generate": generate, "lite": lite}[sys.argv[1]](sys.argv[2])
