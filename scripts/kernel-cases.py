"""Kernel cases for tests/interop/kernels.rs: runs operators of the reference
PyTorch with every schema argument explicit and writes, into argv[1],
`cases.json` (each call: operator, overload, arguments, outputs) and
`tensors.safetensors` (every tensor the calls name)."""

import json
import os
import sys

import torch
from typing import Dict, List, Optional, Tuple  # noqa: F401 (the scripted cases' annotations)

from safetensors.torch import save_file

out_dir = sys.argv[1]
torch.manual_seed(0)

CODES = {
    torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4,
    torch.float16: 5, torch.float32: 6, torch.float64: 7, torch.bool: 11, torch.bfloat16: 15,
}
tensors = {}
cases = []


class Ctx:
    """A prepacked op context: the real object for PyTorch, its state for us."""

    def __init__(self, cls, state, real):
        self.cls, self.state, self.real = cls, state, real


def enc(v):
    if isinstance(v, Ctx):
        return {"obj": v.cls, "state": [enc(x) for x in v.state]}
    if isinstance(v, torch.Tensor):
        name = f"t{len(tensors)}"
        tensors[name] = v.detach().clone().contiguous()
        return {"t": name}
    if v is None:
        return None
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": v}
    if isinstance(v, float):
        return {"f": repr(v)}
    if isinstance(v, str):
        return {"s": v}
    if isinstance(v, torch.dtype):
        return {"i": CODES[v]}
    if isinstance(v, torch.layout):
        return {"i": 0}
    if isinstance(v, torch.memory_format):
        return {"i": {torch.contiguous_format: 0, torch.preserve_format: 1}[v]}
    if isinstance(v, torch.device):
        return {"device": str(v)}
    if isinstance(v, list):
        return {"list": [enc(x) for x in v]}
    if isinstance(v, tuple):
        return {"tuple": [enc(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": [enc((k, x)) for k, x in v.items()]}
    raise TypeError(f"cannot encode {type(v)}")


def case(qual, *args, expect=None):
    ns, rest = qual.split("::")
    name, _, overload = rest.partition(".")
    op = getattr(getattr(getattr(torch.ops, ns), name), overload or "default")
    saved = [enc(a) for a in args]
    if expect is None:
        schema = op._schema
        pos, kw = [], {}
        for i, v in enumerate(args):
            real = v.real if isinstance(v, Ctx) else v
            if i < len(schema.arguments) and schema.arguments[i].kwarg_only:
                kw[schema.arguments[i].name] = real
            else:
                pos.append(real)
        try:
            r = op(*pos, **kw)
        except (RuntimeError, IndexError) as e:
            # What PyTorch raised: the kernel must fail with the same words.
            cases.append({"id": f"{qual} #{len(cases)}", "op": f"{ns}::{name}", "overload": overload,
                          "args": saved, "raises": str(e).strip().splitlines()[-1]})
            return
        n = len(schema.returns)
        outs = [] if n == 0 else (list(r) if n > 1 else [r])
    else:
        outs = expect
    cases.append({"id": f"{qual} #{len(cases)}", "op": f"{ns}::{name}", "overload": overload,
                  "args": saved, "out": [enc(o) for o in outs]})


def scripted_case(qual, signature, body, *args, operands=True):
    """A call of a vararg operator, which PyTorch's Python API cannot make:
    its output, or what it raised, from a scripted function around it. The
    kernel gets the arguments as the compiled call passes them: the first,
    then the rest as one tuple (`operands`, the right side of `%`) or one
    by one."""
    f = torch.jit.CompilationUnit(f"def f({signature}):\n    return {body}\n").f
    ns, name = qual.split("::")
    passed = [args[0], tuple(args[1:])] if operands else list(args)
    try:
        out = f(*args)
    except RuntimeError as e:
        cases.append({"id": f"{qual} #{len(cases)}", "op": qual, "overload": "", "args": [enc(a) for a in passed],
                      "raises": str(e).strip().splitlines()[-1].split("Error: ", 1)[-1]})
        return
    cases.append({"id": f"{qual} #{len(cases)}", "op": qual, "overload": "", "args": [enc(a) for a in passed],
                  "out": [enc(out)]})


r = torch.randn
a, b = r(3, 4), r(4)
ia, ib = torch.randint(-9, 10, (3, 4)), torch.randint(1, 5, (3, 4)) * torch.tensor([1, -1, 1, -1])
bm = r(3, 4) > 0
pos = r(3, 4).abs() + 0.1

# pointwise
case("aten::add.Tensor", a, b, 1)
case("aten::add.Scalar", a, 2.5, 2)
case("aten::add.Tensor", ia, a, 1)
case("aten::add.Tensor", bm, bm, 1)
case("aten::sub.Tensor", a, b, 2)
case("aten::sub.Scalar", ia, 3, 1)
case("aten::mul.Tensor", a, b)
case("aten::mul.Scalar", ia, 1.5)
case("aten::div.Tensor", ia, ib)
case("aten::div.Tensor", a, b)
case("aten::div.Tensor_mode", a, b, "floor")
case("aten::div.Tensor_mode", ia, ib, "trunc")
case("aten::div.Tensor_mode", ia, ib, "floor")
case("aten::div.Scalar_mode", ia, -4, "floor")
case("aten::floor_divide", ia, ib)
case("aten::remainder.Tensor", a, b)
case("aten::remainder.Scalar", ia, 3)
case("aten::remainder.Tensor", ia, ib)
case("aten::pow.Tensor_Scalar", a, 2)
case("aten::pow.Tensor_Scalar", ia, 3)
case("aten::pow.Tensor_Scalar", pos, 0.5)
case("aten::pow.Tensor_Tensor", pos, a)
for u in ["neg", "abs", "exp", "sin", "cos", "floor", "ceil", "sign", "sigmoid", "tanh", "relu"]:
    case(f"aten::{u}", a)
for u in ["log", "sqrt", "rsqrt", "reciprocal"]:
    case(f"aten::{u}", pos)
case("aten::round", torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 0.4, 2.6]))
case("aten::neg", ia)
case("aten::abs", ia)
case("aten::exp", ia)
case("aten::maximum", a, b)
case("aten::minimum", ia, a)
case("aten::where.self", bm, a, b)
case("aten::where.ScalarOther", bm, a, 0.0)
case("aten::masked_fill.Scalar", a, bm, -1.0)
case("aten::masked_fill.Scalar", ia, bm, 7)
case("aten::eq.Tensor", ia, ib)
case("aten::ne.Scalar", ia, 2)
case("aten::lt.Tensor", ia, a)
case("aten::le.Scalar", a, 0.25)
case("aten::gt.Tensor", a, b)
case("aten::ge.Scalar", ia, 0)
bm2 = r(3, 4) > 0
case("aten::logical_and", bm, bm2)
case("aten::logical_or", bm, bm2)
case("aten::logical_xor", bm, bm2)
case("aten::logical_not", bm)
case("aten::logical_not", a)
case("aten::bitwise_and.Tensor", bm, bm2)
case("aten::__or__.Tensor", bm, bm2)
case("aten::bitwise_and.Tensor", ia, ib)
case("aten::bitwise_not", bm)
case("aten::add_.Tensor", a.clone(), b, 1)
case("aten::mul_.Scalar", ia.clone(), 3)
case("aten::relu_", a.clone())
case("aten::clamp_", a.clone(), -0.5, 0.5)
case("aten::masked_fill_.Scalar", a.clone(), bm, 2.0)
case("aten::_add_relu.Tensor", a, b, 1)

# reductions
x3 = r(2, 3, 4)
case("aten::sum", a, None)
case("aten::sum.dim_IntList", a, [1], True, None)
case("aten::sum.dim_IntList", x3, [0, -1], False, None)
case("aten::sum", bm, None)
case("aten::sum.dim_IntList", ia, [0], False, None)
case("aten::sum.dim_IntList", a, [1], False, torch.float64)
case("aten::mean", a, None)
case("aten::mean.dim", x3, [-1], False, None)
case("aten::mean.dim", x3, [0, 2], True, None)
case("aten::max", a)
case("aten::max.dim", a, 1, False)
case("aten::max.dim", x3, 0, True)
case("aten::min.dim", ia, -1, False)
case("aten::max.other", a, b)
case("aten::min", ia)
case("aten::argmax", a, 1, False)
case("aten::argmax", a, None, False)
case("aten::argmin", x3, 0, True)
case("aten::prod", a, None)
case("aten::prod.dim_int", ia, 1, False, None)
case("aten::std", a, True)
case("aten::std.dim", x3, [1], True, False)
case("aten::var.correction", x3, [0], 0, True)
case("aten::var.dim", a, [1], False, True)
case("aten::any", bm)
case("aten::any.dim", bm, 1, False)
case("aten::all", bm)
case("aten::all.dim", a > -3, 0, True)
case("aten::norm.Scalar", a, 2)
case("aten::norm.ScalarOpt_dim", a, 1, [1], False)
case("aten::norm.ScalarOpt_dim", x3, 3.0, [0, 2], True)
case("aten::topk", a, 3, -1, True, True)
case("aten::topk", x3, 2, 1, False, True)
case("aten::sort", a, 1, False)
case("aten::sort", a, 0, True)
case("aten::sort.stable", torch.tensor([3, 1, 2, 1, 3, 0]), True, 0, False)
case("aten::cumsum", a, 1, None)
case("aten::cumsum", ia, 0, None)
case("aten::equal", a, a.clone())
case("aten::equal", a, b.expand(3, 4))
case("aten::logsumexp", x3, [1], False)

# shapes and indexing
case("aten::view", x3, [-1, 6])
case("aten::reshape", x3, [4, -1])
case("aten::flatten.using_ints", x3, 1, -1)
case("aten::flatten.using_ints", torch.tensor(3.0), 0, -1)
case("aten::permute", x3, [2, 0, 1])
case("aten::transpose.int", x3, 0, -1)
case("aten::t", a)
case("aten::contiguous", x3.transpose(0, 2), torch.contiguous_format)
case("aten::squeeze.dim", r(3, 1, 2), 1)
case("aten::squeeze", r(1, 3, 1, 2))
case("aten::unsqueeze", a, -1)
case("aten::cat", [a, r(2, 4)], 0)
case("aten::cat", [ia, a], 1)
case("aten::stack", [a, b.expand(3, 4)], 1)
case("aten::chunk", x3, 3, -1)
case("aten::split.Tensor", r(5, 2), 2, 0)
case("aten::split_with_sizes", a, [1, 3], 1)
case("aten::unbind.int", x3, 1)
case("aten::slice.Tensor", a, 1, 1, None, 2)
case("aten::slice.Tensor", a, 0, -3, -1, 1)
case("aten::slice.Tensor", x3, 2, 0, 100, 3)
case("aten::select.int", x3, 1, -1)
idx = torch.tensor([2, 0, 2])
case("aten::index.Tensor", x3, [None, idx])
case("aten::index.Tensor", a, [bm])
case("aten::index.Tensor", x3, [torch.tensor([1, 0]), None, torch.tensor([[3], [0]])])
case("aten::index.Tensor", x3, [torch.tensor([1, -1]), torch.tensor([0, 2])])
case("aten::index_select", x3, 2, torch.tensor([3, 0]))
case("aten::gather", a, 1, torch.tensor([[0, 3], [1, 1], [2, 0]]))
case("aten::expand", r(3, 1), [2, -1, 4], False)
case("aten::repeat", r(2, 3), [2, 1, 3])
case("aten::narrow", x3, 2, 1, 2)
case("aten::flip", x3, [0, -1])
case("aten::to.dtype", a, torch.int64, False, False, None)
case("aten::to.dtype", a, torch.bool, False, False, None)
case("aten::to.dtype", ia, torch.float64, False, False, None)
case("aten::type_as", ia, a)
case("aten::size.int", x3, -1)
case("aten::size", x3)
case("aten::dim", x3)
case("aten::numel", x3)

# nn
img = r(2, 4, 9, 8)
case("aten::conv2d", img, r(6, 4, 3, 3), r(6), [1, 1], [1, 1], [1, 1], 1)
case("aten::conv2d", img, r(6, 2, 3, 2), r(6), [2, 1], [0, 2], [1, 2], 2)
case("aten::conv2d", img, r(4, 1, 3, 3), None, [1, 1], [2, 1], [2, 1], 4)
case("aten::conv2d.padding", img, r(3, 4, 4, 3), r(3), [1, 1], "same", [1, 2], 1)
case("aten::conv1d", r(2, 4, 11), r(5, 4, 3), r(5), [2], [1], [1], 1)
case("aten::conv1d", r(4, 11), r(6, 2, 3), None, [1], [2], [2], 2)
case("aten::_convolution", img, r(6, 4, 3, 3), r(6), [1, 1], [1, 1], [1, 1], False, [0, 0], 1, False, False, True, True)
case("aten::_convolution", img, r(4, 3, 3, 3), r(3), [2, 2], [1, 1], [1, 1], True, [1, 1], 1, False, False, True, True)
case("aten::conv_transpose2d.input", img, r(4, 3, 3, 2), r(6), [2, 1], [1, 0], [1, 0], 2, [1, 2])
case("aten::max_pool2d", img, [3, 3], [2, 2], [1, 1], [1, 1], True)
case("aten::max_pool2d", img, [2, 2], [], [0, 0], [1, 1], False)
case("aten::max_pool2d", img, [3, 2], [2, 3], [1, 0], [2, 1], True)
case("aten::max_pool1d", r(2, 3, 10), [3], [2], [1], [1], True)
case("aten::max_pool2d_with_indices", img, [3, 3], [2, 2], [1, 1], [1, 1], True)
case("aten::max_pool2d_with_indices", img.round(), [2, 2], [], [0, 0], [1, 1], False)
case("aten::max_pool2d_with_indices", r(3, 7, 6), [3, 2], [2, 3], [1, 0], [2, 1], True)
case("aten::max_pool1d_with_indices", r(2, 3, 10).round(), [3], [2], [1], [1], False)
case("aten::avg_pool2d", img, [3, 3], [2, 2], [1, 1], True, True, None)
case("aten::avg_pool2d", img, [3, 3], [2, 2], [1, 1], True, False, None)
case("aten::avg_pool2d", img, [2, 3], [2, 2], [1, 1], False, True, 5)
case("aten::adaptive_avg_pool2d", img, [1, 1])
case("aten::adaptive_avg_pool2d", img, [3, 2])
case("aten::adaptive_avg_pool2d", img, [4, 5])
rm, rv = r(4), r(4).abs() + 0.5
case("aten::batch_norm", img, r(4), r(4), rm, rv, False, 0.1, 1e-5, True)
case("aten::batch_norm", img, r(4), r(4), rm.clone(), rv.clone(), True, 0.1, 1e-5, True)
case("aten::batch_norm", r(5, 4), None, None, rm, rv, False, 0.1, 1e-3, True)
case("aten::layer_norm", r(2, 3, 8), [8], r(8), r(8), 1e-5, True)
case("aten::layer_norm", r(2, 3, 8), [3, 8], None, None, 1e-5, True)
case("aten::group_norm", img, 2, r(4), r(4), 1e-5, True)
case("aten::linear", r(2, 3, 5), r(4, 5), r(4))
case("aten::linear", r(5), r(4, 5), None)
case("aten::matmul", r(2, 3, 5), r(5, 4))
case("aten::matmul", r(5), r(2, 5, 4))
case("aten::matmul", r(2, 1, 3, 5), r(4, 5, 2))
case("aten::mm", r(3, 5), r(5, 2))
case("aten::bmm", r(2, 3, 5), r(2, 5, 4))
case("aten::addmm", r(3, 2), r(3, 5), r(5, 2), 0.5, 2)
case("aten::embedding", r(10, 3), torch.tensor([[1, 2, 9], [0, 0, 4]]), -1, False, False)
case("aten::dropout", a, 0.5, False)
case("aten::feature_dropout", img, 0.2, False)
case("aten::softmax.int", x3, 1, None)
case("aten::softmax.int", x3, -1, torch.float64)
case("aten::log_softmax.int", x3, -1, None)
case("aten::hardtanh", a, -0.5, 0.5)
case("aten::relu6", a * 5)
case("aten::clamp", a, -0.5, None)
case("aten::clamp", ia, 0.5, 3)
case("aten::clamp_min", a, 0.1)
case("aten::clamp_max", a, 0.1)
case("aten::gelu", a, "none")
case("aten::gelu", a, "tanh")
case("aten::silu", a)
case("aten::hardswish", a * 3)
case("aten::hardsigmoid", a * 3)
case("aten::leaky_relu", a, 0.2)
case("aten::elu", a, 1.5, 1.0, 1.0)
case("aten::hardtanh_", a.clone(), -0.5, 0.5)
case("aten::leaky_relu_", a.clone(), 0.1)
case("aten::elu_", a.clone(), 1.0, 1.0, 1.0)
case("aten::prelu", r(2, 3, 4, 4), torch.tensor([0.25, -0.5, 2.0]))
case("aten::prelu", r(2, 3), torch.tensor([0.1]))
case("aten::pixel_shuffle", r(2, 8, 3, 5), 2)
case("aten::pixel_shuffle", r(9, 2, 3), 3)
case("aten::pixel_unshuffle", r(2, 2, 6, 4), 2)
case("aten::pixel_unshuffle", r(3, 1, 2, 9, 6), 3)
case("aten::glu", r(4, 6), -1)
case("aten::glu", r(3, 4, 2), 1)
case("aten::cosine_similarity", r(4, 5), r(4, 5), 1, 1e-8)
case("aten::cosine_similarity", r(3, 4, 5), r(4, 5), -1, 1e-8)
case("aten::cosine_similarity", torch.zeros(2, 3), r(2, 3), 1, 1e-8)
case("aten::pairwise_distance", r(4, 5), r(4, 5), 2.0, 1e-6, False)
case("aten::pairwise_distance", r(4, 5), r(4, 5), 1.0, 1e-6, True)
case("aten::pairwise_distance", r(4, 5), r(5), 3.0, 1e-6, False)
case("aten::one_hot", torch.tensor([0, 3, 1]), -1)
case("aten::one_hot", torch.tensor([[1, 0], [2, 2]]), 4)
case("aten::mish", a * 3)
case("aten::mish_", a.clone())
case("aten::softplus", a * 30, 2.0, 20.0)
p4 = r(2, 3, 4, 5)
case("aten::pad", p4, [1, 2], "constant", 0.5)
case("aten::pad", p4, [1, 0, -1, 2], "constant", None)
case("aten::pad", p4, [2, 1, 3, 0], "reflect", None)
case("aten::pad", p4, [2, 1, 3, 0], "replicate", None)
case("aten::pad", p4, [2, 1, 3, 0], "circular", None)
case("aten::pad", r(2, 3, 6), [2, 3], "reflect", None)
case("aten::pad", torch.arange(12).reshape(3, 4), [1, 1], "constant", 7.0)

# recurrent layers
torch.manual_seed(1)
gru = torch.nn.GRU(5, 4, num_layers=2, bidirectional=True)
seq = r(6, 3, 5)
lengths = torch.tensor([6, 4, 2])
params = [p.detach() for p in gru._flat_weights]
h0 = r(4, 3, 4)
case("aten::gru.input", seq, h0, params, True, 2, 0.0, False, True, False)
data, bs = torch.ops.aten._pack_padded_sequence(seq, lengths, False)
case("aten::gru.data", data, bs, h0, params, True, 2, 0.0, False, True)
lstm = torch.nn.LSTM(5, 3, num_layers=1, batch_first=True)
lp = [p.detach() for p in lstm._flat_weights]
case("aten::lstm.input", seq.transpose(0, 1).contiguous(), [r(1, 3, 3), r(1, 3, 3)], lp, True, 1, 0.0, False, False, True)
lstm2 = torch.nn.LSTM(5, 3, num_layers=1, bidirectional=True, bias=False)
lp2 = [p.detach() for p in lstm2._flat_weights]
case("aten::lstm.data", data, bs, [r(2, 3, 3), r(2, 3, 3)], lp2, False, 1, 0.0, False, True)
case("aten::lstm_cell", r(3, 5), [r(3, 4), r(3, 4)], r(16, 5), r(16, 4), r(16), r(16))
case("aten::lstm_cell", r(3, 5), [r(3, 4), r(3, 4)], r(16, 5), r(16, 4), None, None)
case("aten::gru_cell", r(3, 5), r(3, 4), r(12, 5), r(12, 4), r(12), r(12))
case("aten::rnn_tanh_cell", r(3, 5), r(3, 4), r(4, 5), r(4, 4), r(4), r(4))
case("aten::rnn_relu_cell", r(3, 5), r(3, 4), r(4, 5), r(4, 4), None, None)
case("aten::_pack_padded_sequence", seq, lengths, False)
case("aten::_pack_padded_sequence", seq.transpose(0, 1).contiguous(), lengths, True)
case("aten::_pad_packed_sequence", data, bs, False, 0.0, -1)
case("aten::_pad_packed_sequence", data, bs, True, -1.5, 8)

# factories
cpu = torch.device("cpu")
case("aten::zeros", [2, 3], None, None, cpu, False)
case("aten::ones", [2, 3], torch.int64, None, cpu, False)
case("aten::full", [2, 2], 3, None, None, None, None)
case("aten::full", [2, 2], 1.5, torch.float64, None, None, None)
case("aten::zeros_like", ia, None, None, None, None, None)
case("aten::ones_like", a, torch.bool, None, None, None, None)
case("aten::full_like", a, 7, None, None, None, None, None)
case("aten::arange", 5, None, None, None, None)
case("aten::arange.start", 2, 7, None, None, None, None)
case("aten::arange.start_step", 0, 1, 0.25, None, None, None, None)
case("aten::arange.start_step", 10, 0, -3, None, None, None, None)
case("aten::hann_window", 8, None, None, None, None)
case("aten::hann_window.periodic", 7, False, None, None, None, None)
case("aten::hann_window.periodic", 1, True, None, None, None, None)
case("aten::hann_window", 0, torch.float64, None, None, None)
case("aten::hamming_window", 10, None, None, None, None)
case("aten::hamming_window.periodic_alpha_beta", 9, False, 0.5, 0.3, torch.float64, None, None, None)
case("aten::hamming_window.periodic_alpha", 6, True, 0.6, None, None, None, None)
case("aten::blackman_window", 12, None, None, None, None)
case("aten::blackman_window.periodic", 5, False, torch.float64, None, None, None)
case("aten::bartlett_window", 9, None, None, None, None)
case("aten::bartlett_window.periodic", 6, False, None, None, None, None)
case("aten::hann_window", -1, None, None, None, None)
case("aten::bartlett_window", -3, None, None, None, None)
case("aten::einsum", "ij,jk->ik", [r(3, 4), r(4, 5)], None)
case("aten::einsum", "bij,bjk", [r(2, 3, 4), r(2, 4, 2)], None)
case("aten::einsum", "ii->i", [r(4, 4)], None)
case("aten::einsum", "i,j->ij", [r(3), r(1)], None)
case("aten::einsum", "bhqd,bhkd->bhqk", [r(2, 2, 3, 4), r(2, 2, 5, 4)], None)
case("aten::einsum", "ij->", [r(3, 3).double()], None)
case("aten::einsum", "ij,jk->ik", [r(3, 4)], None)
case("aten::einsum", "ij,jk->ik", [r(3, 4), r(5, 2)], None)
case("aten::outer", r(3), r(4))
case("aten::outer", torch.arange(3), torch.arange(2))
near = torch.tensor([1.0, 1.0 + 1e-6, 1.1, float("nan"), float("inf"), -float("inf"), 0.0, 1e-9])
case("aten::isclose", near, torch.tensor([1.0, 1.0, 1.0, float("nan"), float("inf"), float("inf"), 1e-8, 0.0]), 1e-5, 1e-8, False)
case("aten::isclose", near, torch.tensor([1.0, 1.0, 1.0, float("nan"), float("inf"), float("inf"), 1e-8, 0.0]), 1e-5, 1e-8, True)
case("aten::isclose", near.double(), near.double().flip(0), 0.0, 0.0, True)
case("aten::isclose", torch.tensor([1, 2, 100]), torch.tensor([1, 3, 101]), 0.01, 0.0, False)
case("aten::isclose", r(2, 3), r(3), 0.5, 0.1, False)
case("aten::isclose", r(2), r(2).long(), 1e-5, 1e-8, False)
case("aten::isclose", r(2), r(2), -1.0, 1e-8, False)
case("aten::allclose", r(3, 2), r(3, 2), 1e-5, 1e-8, False)
case("aten::allclose", torch.ones(3), torch.ones(3) + 1e-7, 1e-5, 1e-8, False)
case("aten::allclose", torch.ones(2), torch.ones(3), 1e-5, 1e-8, False)
case("aten::eye", 3, None, None, None, None)
case("aten::eye.m", 2, 3, torch.int64, None, None, None)
case("aten::scalar_tensor", 3.5, None, None, None, None)
case("aten::scalar_tensor", 3, torch.int64, None, None, None)

# scalars
case("aten::floordiv.int", -7, 2)
case("aten::remainder.int", -7, 3)
case("aten::div.int", 7, 2)
case("aten::pow.int", 2, 3)
case("aten::floordiv.float", -7.5, 2.0)
case("aten::remainder.float", 7.5, -2.0)
case("aten::add.int", 3, -9)
case("aten::mul.float_int", 1.5, 3)
case("aten::sub.float", 0.5, 3.25)
case("aten::eq.str", "ab", "ab")
case("aten::lt.int", 3, 2)
case("aten::ge.float_int", 2.0, 2)
case("aten::neg.int", 5)
case("aten::sqrt.float", 2.0)
case("aten::floor.float", -2.5)
case("aten::ceil.float", 2.1)
case("prim::min.int", 3, -4)
case("prim::max.float", 0.5, 1.5)
case("prim::max.self_int", [3, 9, 2])
case("prim::min.int_list", [1, 5], [1, 4, 0])
case("aten::Int.Tensor", torch.tensor(-3.7))
case("aten::Float.Tensor", torch.tensor(2))
case("aten::Bool.Tensor", torch.tensor([0.0]))
case("aten::Int.float", -3.7)
case("aten::Float.str", "1.25")
case("aten::ScalarImplicit", torch.tensor(4))
case("aten::FloatImplicit", torch.tensor(1.5))
case("aten::item", torch.tensor([2.5]))
case("prim::NumToTensor.Scalar", 3)
case("prim::NumToTensor.Scalar", 2.5)
case("aten::__range_length", 1, 10, 4)
case("aten::__derive_index", 2, 1, 4)
case("aten::len.Tensor", a)
case("aten::len.str", "hello")
# str(), format() and `%` print values as c10's IValue printing does (`1.`,
# `[a, b]`), not as Python does: vararg operators, called from scripted code.
scripted_case("aten::format", "s: str, a: int, b: float", "s.format(a, b)", "{} and {}!", 3, 1.0, operands=False)
for v, t in ((2.0, "float"), (0.1, "float"), (-0.0, "float"), (1e20, "float"), (1e-7, "float"), (1e10, "float"),
             (float("inf"), "float"), (["a", "b'"], "List[str]"), ([1.0, 2.5], "List[float]"),
             (("s", 1.0), "Tuple[str, float]"), ((1,), "Tuple[int]"), ({"k": 1.0}, "Dict[str, float]"),
             ([None, True], "List[Optional[bool]]"), (torch.device("cpu"), "Device")):
    scripted_case("aten::str", f"a: {t}", "str(a)", v, operands=False)
    scripted_case("aten::percentFormat", f"s: str, a: {t}", "s % (a,)", "<%s>", v)
for template in ("%d %i", "%f %e", "%s %s", "%c %c", "%d %s%%", "%%%s %s %s", "%s", "%s %s %s", "%s %", "%x %s"):
    for n, f in ((3, 2.5), (-3, -2.7), (97, 1e-300), (300, 1e300), (0, float("nan")), (2**40, 3e9), (65, 0.333)):
        scripted_case("aten::percentFormat", "s: str, a: int, b: float", "s % (a, b)", template, n, f)
for template in ("%c", "%d", "%s", "%e"):
    for v, t in (("x", "str"), ("xy", "str"), ([1], "List[int]"), (None, "Optional[int]"), ({"a": 1}, "Dict[str, int]")):
        scripted_case("aten::percentFormat", f"s: str, a: {t}", "s % (a,)", template, v)
scripted_case("aten::percentFormat", "s: str, a: float", "s % a", "%f", 2.0)
# dict methods and del (what they do to the dict: tests/fixtures/run/dict_methods.tsy)
for d in ({"a": 1, "b": 2}, {}):
    for k in ("a", "x"):
        scripted_case("aten::get", "d: Dict[str, int], k: str", "d.get(k)", d, k, operands=False)
        scripted_case("aten::get", "d: Dict[str, int], k: str, v: int", "d.get(k, v)", d, k, 7, operands=False)
        scripted_case("aten::setdefault", "d: Dict[str, int], k: str, v: int", "d.setdefault(k, v)", d, k, 7, operands=False)
        scripted_case("aten::__getitem__", "d: Dict[str, int], k: str", "d[k]", d, k, operands=False)
        scripted_case("aten::pop", "d: Dict[str, int], k: str", "d.pop(k)", d, k, operands=False)
    scripted_case("aten::popitem", "d: Dict[str, int]", "d.popitem()", d, operands=False)
    scripted_case("aten::copy", "d: Dict[str, int]", "d.copy()", d, operands=False)
scripted_case("aten::get", "d: Dict[int, float], k: int", "d.get(k)", {3: 0.5}, 3, operands=False)
scripted_case("aten::__getitem__", "d: Dict[int, float], k: int", "d[k]", {3: 0.5}, 4, operands=False)
scripted_case("aten::copy", "l: List[int]", "l.copy()", [3, 1], operands=False)
scripted_case("aten::percentFormat", "s: str, a: float", "s % a", "x", 2.0)
case("aten::__getitem__.t", [1, 2, 3], -1, expect=[3])
case("aten::__getitem__.str", "hey", 1)
case("aten::slice.t", [1, 2, 3, 4, 5], -4, None, 2, expect=[[2, 4]])
case("aten::slice.str", "abcdef", 1, -1, 1)
case("aten::__contains__.int_list", [1, 2, 3], 2)
# the other str methods: byte-wise under the C locale, as PyTorch
words = ["", "hello", "Hello World", "  a b\tc\n", "ABC def_1", "x\r\ny\x0bz\x1c", "héllo É", "12", "a1!", "Title Case", "mIxEd", "\t"]
for w in words:
    for qual in ("aten::lower", "aten::upper", "aten::swapcase", "aten::capitalize", "aten::title", "aten::isdigit",
                 "aten::isdecimal", "aten::isnumeric", "aten::isspace", "aten::isalnum", "aten::isalpha",
                 "aten::isupper", "aten::islower", "aten::isidentifier", "aten::istitle", "aten::isprintable",
                 "aten::splitlines"):
        if qual != "aten::splitlines":
            case(qual, w)
        elif w.isascii():
            # (PyTorch splits UTF-8 characters at their bytes 0x85, 0xa8, 0xa9.)
            case(qual, w, False)
            case(qual, w, True)
    for chars in (" \n\t\x0c\x0b", "ho", "é"):
        for qual in ("aten::strip", "aten::lstrip", "aten::rstrip"):
            case(qual, w, chars)
    for sep in (None, " ", "l", "ll") if w.isascii() else (" ", "l"):
        for mx in (-1, 0, 1):
            case("aten::split.str", w, sep, mx)
    for sep in (" ", "l", "o W"):
        for mx in (-1, 0, 1, 5):
            case("aten::rsplit", w, sep, mx)
    for sep in ("l", " ", "zz", "É"):
        case("aten::partition", w, sep)
        case("aten::rpartition", w, sep)
    for width in (-3, 0, 4, 11, 12):
        case("aten::zfill", w, width)
        for fill in (" ", "*"):
            for qual in ("aten::ljust", "aten::rjust", "aten::center"):
                if not (qual == "aten::center" and width < 0):
                    case(qual, w, width, fill)
    for tab in (-1, 0, 1, 4, 8):
        case("aten::expandtabs", w + "\tx\t", tab)
    for old, new, mx in (("l", "L", -1), ("l", "", 1), ("", "-", 2), ("lo", "xyz", -1), ("o", "oo", 0)):
        case("aten::replace", w, old, new, mx)
case("aten::split.str", "a,b", "", -1)
case("aten::center", "ab", 5, "**")
case("aten::ljust", "ab", 5, "")
# str methods with bounds: PyTorch's (byte) rules, every kind of start/end
bounds = [(0, -1), (0, -5), (0, -6), (0, -7), (1, 4), (-2, -1), (-10, 10), (3, 2), (6, 10), (5, 5), (0, 5),
          (2, -2), (-3, -1), (0, 0), (10, -1), (-1, -1), (4, -1), (5, -1), (1, 100), (-100, -100)]
for text in ("hello", "", "lolol", "héllo"):
    for sub in ("lo", "l", "", "hello!", "é"):
        for start, end in bounds:
            for qual in ("aten::startswith", "aten::endswith", "aten::find", "aten::rfind", "aten::index.str", "aten::rindex"):
                case(qual, text, sub, start, end)
            if sub:
                case("aten::count", text, sub, start, end)
# list and str slices: every kind of start, end and step, as TorchScript
# slices (Python's rules, and `slice step cannot be zero`)
for start in (None, -10, -3, -1, 0, 1, 3, 10):
    for end in (None, -10, -3, -1, 0, 1, 3, 10):
        for step in (1, 2, 3, -1, -2, 0):
            scripted_case("aten::slice", "l: List[int], a: Optional[int], b: Optional[int], c: int", "l[a:b:c]",
                          [0, 1, 2, 3, 4], start, end, step, operands=False)
            scripted_case("aten::slice", "s: str, a: Optional[int], b: Optional[int], c: int", "s[a:b:c]",
                          "abcde", start, end, step, operands=False)
case("aten::list.t", [1, 2], expect=[[1, 2]])
case("aten::__is__", None, None, expect=[True])
case("aten::__isnot__", 1, None, expect=[True])
case("aten::__not__", True)
case("prim::dtype", ia)
# addcmul: value * t1 * t2 in that order, in the tensors' dtype (an int
# tensor truncates a float value), broadcast
for value in (1, 0.5, -2.5, 3):
    case("aten::addcmul", a, r(3, 1), b, value)
    case("aten::addcmul", r(4).double(), r(4).double(), r(4).double(), value)
    case("aten::addcmul", ia, ib, ia, value)
case("aten::addcmul", bm, bm, bm, 1)
# transposing properties (views: tests/fixtures/run/views.tsy writes through them)
for qual in ("aten::numpy_T", "aten::mT", "aten::mH", "aten::adjoint", "aten::matrix_H", "aten::real"):
    for shape in ((), (3,), (2, 3), (2, 3, 4)):
        case(qual, torch.arange(float(torch.Size(shape).numel())).reshape(shape))
# what a tensor is: a dense CPU tensor, of its dtype's item size
for prop in ("is_cpu", "is_cuda", "is_xpu", "is_xla", "is_mps", "is_mtia", "is_maia", "is_ipu", "is_vulkan", "is_meta",
             "is_mkldnn", "is_sparse", "is_sparse_csr", "is_quantized", "is_nested", "itemsize", "nbytes"):
    for t in (a, ia[:, 1].to(torch.int16), bm, torch.zeros(0, dtype=torch.float64)):
        case(f"prim::{prop}", t)
case("aten::tensor", [[1.0, 2.0], [3.0, 4.0]], None, None, False, expect=[torch.tensor([[1.0, 2.0], [3.0, 4.0]])])
case("aten::tensor", [[1, 2], [3, 4]], None, None, False, expect=[torch.tensor([[1, 2], [3, 4]])])
case("aten::tensor.float", 2.5, None, None, False)

# activations and the channel shuffle (kernels/activation.rs)
case("aten::celu", a, 0.5)
case("aten::celu_", a.clone(), 2.0)
case("aten::selu", a * 3)
case("aten::selu_", a.clone())
case("aten::hardshrink", a, 0.3)
case("aten::hardshrink", torch.tensor([-0.5, -0.4, 0.0, 0.5, 0.6]), 0.5)
case("aten::softshrink", a, 0.3)
case("aten::softshrink", torch.tensor([-0.5, -0.4, 0.0, 0.5, 0.6]), 0.5)
case("aten::softshrink", a, -0.1)
case("aten::log_sigmoid", torch.tensor([-100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0]))
case("aten::log_sigmoid", a)
case("aten::threshold", a, 0.1, 20.0)
case("aten::threshold", torch.tensor([0.0, 0.1, 0.2]), 0.1, -1.0)
case("aten::threshold_", a.clone(), 0.0, 5.0)
case("aten::rrelu", a, 0.1, 0.3, False, None)
case("aten::rrelu_", a.clone(), 0.125, 1.0 / 3, False, None)
case("aten::channel_shuffle", r(2, 6, 3, 2), 3)
case("aten::channel_shuffle", r(1, 4, 5), 2)
case("aten::channel_shuffle", r(1, 5, 2), 2)
case("aten::native_channel_shuffle", r(2, 6, 2, 2), 2)

# upsampling (kernels/upsample.rs): output sizes, source indices and weights
u1, u2, u3 = r(2, 3, 5), r(1, 2, 4, 5), r(1, 2, 3, 4, 3)
for sizes, scales in [([10], None), ([3], None), ([7], None), (None, [2.0]), (None, [1.7]), (None, [0.6])]:
    case("aten::upsample_nearest1d.vec", u1, sizes, scales)
    case("aten::_upsample_nearest_exact1d.vec", u1, sizes, scales)
    for align in (False, True):
        case("aten::upsample_linear1d.vec", u1, sizes, align, scales)
for sizes, scales in [([8, 10], None), ([3, 7], None), ([4, 5], None), (None, [2.0, 2.0]), (None, [1.5, 0.7]), (None, [2.3, 1.3])]:
    case("aten::upsample_nearest2d.vec", u2, sizes, scales)
    case("aten::_upsample_nearest_exact2d.vec", u2, sizes, scales)
    for align in (False, True):
        case("aten::upsample_bilinear2d.vec", u2, sizes, align, scales)
        case("aten::upsample_bicubic2d.vec", u2, sizes, align, scales)
for sizes, scales in [([5, 6, 4], None), (None, [2.0, 1.5, 0.7])]:
    case("aten::upsample_nearest3d.vec", u3, sizes, scales)
    case("aten::_upsample_nearest_exact3d.vec", u3, sizes, scales)
    for align in (False, True):
        case("aten::upsample_trilinear3d.vec", u3, sizes, align, scales)
case("aten::upsample_nearest2d", u2, [7, 9], None, None)
case("aten::upsample_nearest2d", u2, [7, 9], 1.9, 1.9)
case("aten::upsample_bilinear2d", u2, [7, 9], False, 1.9, 1.9)
case("aten::upsample_bilinear2d", u2.double(), [6, 3], False, None, None)
case("aten::upsample_bicubic2d", u2, [9, 11], True, None, None)
case("aten::upsample_nearest2d.vec", torch.randint(0, 9, (1, 2, 3, 3), dtype=torch.uint8), [5, 6], None)
case("aten::upsample_nearest1d.vec", u1, [4], [2.0])
case("aten::upsample_bilinear2d.vec", u1, [4, 4], False, None)
case("aten::upsample_bilinear2d.vec", u2, None, False, [2.0])
case("aten::upsample_nearest2d.vec", u2, [4, 4], [2.0, 2.0])

# instance and RMS norm (kernels/norm.rs)
xin = r(2, 3, 4, 5)
case("aten::instance_norm", xin, None, None, None, None, True, 0.1, 1e-5, False)
case("aten::instance_norm", xin, r(3), r(3), None, None, True, 0.1, 1e-5, False)
case("aten::instance_norm", xin, r(3), r(3), r(3), r(3).abs() + 0.5, False, 0.1, 1e-5, False)
case("aten::instance_norm", r(2, 3, 7), None, None, r(3), r(3).abs() + 0.5, True, 0.3, 1e-3, False)
case("aten::rms_norm", r(2, 3, 4), [4], None, None)
case("aten::rms_norm", r(2, 3, 4), [3, 4], r(3, 4), 1e-6)
case("aten::rms_norm", r(2, 3, 4).double(), [4], r(4).double(), None)

# pooling on loops (kernels/pool.rs)
p3 = r(1, 2, 5, 6, 7)
p3[0, 0, 1, 1, 1] = float("nan")
case("aten::max_pool3d", p3, [2, 2, 2], [], [0, 0, 0], [1, 1, 1], False)
case("aten::max_pool3d_with_indices", p3, [3, 2, 3], [2, 2, 1], [1, 1, 1], [1, 2, 1], True)
case("aten::max_pool3d_with_indices", r(2, 4, 5, 3), [2], [1], [0], [1], False)
case("aten::max_pool3d_with_indices", torch.tensor([[[[1.0, 1.0], [1.0, 1.0]]]]), [2, 2, 2], [], [0], [1], True)
case("aten::avg_pool3d", p3, [2, 2, 2], [], [0, 0, 0], False, True, None)
case("aten::avg_pool3d", r(1, 2, 5, 6, 7), [3, 3, 2], [2, 2, 2], [1, 1, 1], True, True, None)
case("aten::avg_pool3d", r(1, 2, 5, 6, 7), [3, 3, 2], [2, 2, 2], [1, 1, 1], True, False, None)
case("aten::avg_pool3d", r(2, 5, 6, 7), [3, 3, 3], [1, 2, 2], [1, 0, 1], False, True, 5)
for size in ([3], [4], [1], [7]):
    case("aten::adaptive_max_pool1d", p3[0, :, 0], size)
case("aten::adaptive_max_pool2d", r(2, 3, 7, 5), [3, 4])
case("aten::adaptive_max_pool2d", r(3, 6, 6), [6, 2])
case("aten::adaptive_max_pool3d", p3, [2, 3, 4])
case("aten::adaptive_avg_pool3d", p3.nan_to_num(), [2, 3, 4])
case("aten::_adaptive_avg_pool3d", r(2, 4, 5, 3), [3, 3, 3])

# prepacked (XNNPACK)
w, bias = r(6, 4, 3, 3), r(6)
ctx = torch.ops.prepacked.conv2d_clamp_prepack(w, bias, [2, 1], [1, 1], [1, 1], 1, -0.5, 0.5)
case("prepacked::conv2d_clamp_run", img, Ctx("__torch__.torch.classes.xnnpack.Conv2dOpContext", [w, bias, [2, 1], [1, 1], [1, 1], 1, -0.5, 0.5], ctx))
w2 = r(6, 2, 3, 3)
ctx = torch.ops.prepacked.conv2d_clamp_prepack(w2, None, [1, 1], [0, 1], [1, 1], 2, None, None)
case("prepacked::conv2d_clamp_run", img, Ctx("__torch__.torch.classes.xnnpack.Conv2dOpContext", [w2, None, [1, 1], [0, 1], [1, 1], 2, None, None], ctx))
lw, lb = r(3, 8), r(3)
ctx = torch.ops.prepacked.linear_clamp_prepack(lw, lb, 0.0, None)
case("prepacked::linear_clamp_run", r(2, 5, 8), Ctx("__torch__.torch.classes.xnnpack.LinearOpContext", [lw, lb, 0.0, None], ctx))
tw, tb = r(4, 3, 3, 3), r(3)
ctx = torch.ops.prepacked.conv2d_transpose_clamp_prepack(tw, tb, [2, 2], [1, 1], [1, 1], [1, 1], 1, None, None)
case("prepacked::conv2d_transpose_clamp_run", img, Ctx("__torch__.torch.classes.xnnpack.TransposeConv2dOpContext", [tw, tb, [2, 2], [1, 1], [1, 1], [1, 1], 1, None, None], ctx))

save_file(tensors, os.path.join(out_dir, "tensors.safetensors"))
with open(os.path.join(out_dir, "cases.json"), "w") as f:
    json.dump(cases, f)
print(len(cases))
