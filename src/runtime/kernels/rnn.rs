//! Recurrent layers as TorchScript calls them: `aten::gru`/`aten::lstm` on
//! padded input (`.input`) or packed data (`.data`, with batch sizes),
//! multi-layer, bidirectional, batch_first, with PyTorch's gate order
//! (GRU r, z, n; LSTM i, f, g, o) and `_flat_weights` order (w_ih, w_hh,
//! b_ih, b_hh per layer per direction); and the packing ops.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::args::tensor_out;
use super::nn::{linear_raw, sigmoid_tensor};
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    table.insert(op::aten::gru, |args| recurrent(args, Cell::Gru));
    table.insert(op::aten::lstm, |args| recurrent(args, Cell::Lstm));
    table.insert(op::aten::rnn_tanh, |args| recurrent(args, Cell::Tanh));
    table.insert(op::aten::rnn_relu, |args| recurrent(args, Cell::Relu));
    table.insert(op::aten::gru_cell, |args| one_step(args, Cell::Gru));
    table.insert(op::aten::lstm_cell, |args| one_step(args, Cell::Lstm));
    table.insert(op::aten::rnn_tanh_cell, |args| one_step(args, Cell::Tanh));
    table.insert(op::aten::rnn_relu_cell, |args| one_step(args, Cell::Relu));
    table.insert(op::aten::_pack_padded_sequence, pack_padded_sequence);
    table.insert(op::aten::_pad_packed_sequence, pad_packed_sequence);
}

#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Gru,
    Lstm,
    Tanh,
    Relu,
}

struct Weights {
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Option<Tensor>,
    b_hh: Option<Tensor>,
}

/// The state one direction of one layer carries: h, and c for an LSTM.
struct State {
    h: Tensor,
    c: Option<Tensor>,
}

/// Runs one direction of one layer over packed rows (time-major, `bs[t]`
/// active sequences at step t, sorted by decreasing length).
fn run_direction(
    cell: Cell,
    x: &Tensor,
    bs: &[usize],
    init: State,
    w: &Weights,
    reverse: bool,
) -> Result<(Tensor, State), KernelError> {
    let gi_all = linear_raw(x, &w.w_ih, w.b_ih.as_ref())?;
    let mut offsets = Vec::with_capacity(bs.len());
    let mut acc = 0;
    for b in bs {
        offsets.push(acc);
        acc += b;
    }
    let batch = init.h.dims()[0];
    let State { mut h, mut c } = init;
    let mut outputs: Vec<Option<Tensor>> = vec![None; bs.len()];
    let steps: Vec<usize> = if reverse { (0..bs.len()).rev().collect() } else { (0..bs.len()).collect() };
    for t in steps {
        let b = bs[t];
        if b == 0 {
            outputs[t] = Some(h.narrow(0, 0, 0)?);
            continue;
        }
        let gi = gi_all.narrow(0, offsets[t], b)?;
        let h_act = h.narrow(0, 0, b)?;
        let gh = linear_raw(&h_act, &w.w_hh, w.b_hh.as_ref())?;
        let (h_new, c_new) = match cell {
            Cell::Gru => {
                let gi = gi.chunk(3, 1)?;
                let gh = gh.chunk(3, 1)?;
                let r = sigmoid_tensor(&(&gi[0] + &gh[0])?)?;
                let z = sigmoid_tensor(&(&gi[1] + &gh[1])?)?;
                let n = (&gi[2] + (&r * &gh[2])?)?.tanh()?;
                let h_new = (&n + (&z * (&h_act - &n)?)?)?;
                (h_new, None)
            }
            Cell::Lstm => {
                let c_all = c.as_ref().ok_or_else(|| KernelError::new("lstm without a cell state"))?;
                let c_act = c_all.narrow(0, 0, b)?;
                let gates = (gi + gh)?.chunk(4, 1)?;
                let i = sigmoid_tensor(&gates[0])?;
                let f = sigmoid_tensor(&gates[1])?;
                let g = gates[2].tanh()?;
                let o = sigmoid_tensor(&gates[3])?;
                let c_new = ((f * c_act)? + (i * g)?)?;
                let h_new = (o * c_new.tanh()?)?;
                (h_new, Some(c_new))
            }
            Cell::Tanh => ((gi + gh)?.tanh()?, None),
            Cell::Relu => ((gi + gh)?.relu()?, None),
        };
        h = keep_rest(&h_new, &h, b, batch)?;
        if let (Some(c_new), Some(c_old)) = (c_new, c.as_ref()) {
            c = Some(keep_rest(&c_new, c_old, b, batch)?);
        }
        outputs[t] = Some(h_new);
    }
    let outputs: Vec<Tensor> = outputs.into_iter().flatten().collect();
    Ok((Tensor::cat(&outputs, 0)?, State { h, c }))
}

/// The first `b` rows from `new`, the rest from `old`.
fn keep_rest(new: &Tensor, old: &Tensor, b: usize, batch: usize) -> Result<Tensor, KernelError> {
    if b == batch { Ok(new.clone()) } else { Ok(Tensor::cat(&[new.clone(), old.narrow(0, b, batch - b)?], 0)?) }
}

struct Config {
    has_biases: bool,
    layers: usize,
    dropout: f64,
    train: bool,
    bidirectional: bool,
}

/// Runs every layer over packed rows; returns the output rows and the
/// final states, layer-major then direction.
fn run(
    cell: Cell,
    rows: &Tensor,
    bs: &[usize],
    h0: &Tensor,
    c0: Option<&Tensor>,
    params: &[RTensor],
    cfg: &Config,
) -> Result<(Tensor, Tensor, Option<Tensor>), KernelError> {
    let dirs = if cfg.bidirectional { 2 } else { 1 };
    let per = if cfg.has_biases { 4 } else { 2 };
    if params.len() != cfg.layers * dirs * per {
        return Err(KernelError::unsupported(format!(
            "recurrent layer with {} parameters (expected {}; projections are not supported)",
            params.len(),
            cfg.layers * dirs * per
        )));
    }
    if cfg.train && cfg.dropout > 0.0 && cfg.layers > 1 {
        return Err(KernelError::unsupported("recurrent dropout in training mode (random)"));
    }
    let mut input = rows.clone();
    let mut hs = Vec::new();
    let mut cs = Vec::new();
    for layer in 0..cfg.layers {
        let mut outs = Vec::new();
        for dir in 0..dirs {
            let k = (layer * dirs + dir) * per;
            let w = Weights {
                w_ih: params[k].data(),
                w_hh: params[k + 1].data(),
                b_ih: cfg.has_biases.then(|| params[k + 2].data()),
                b_hh: cfg.has_biases.then(|| params[k + 3].data()),
            };
            let idx = layer * dirs + dir;
            let init = State { h: h0.get(idx)?, c: c0.map(|c| c.get(idx)).transpose()? };
            let (out, state) = run_direction(cell, &input, bs, init, &w, dir == 1)?;
            outs.push(out);
            hs.push(state.h);
            if let Some(c) = state.c {
                cs.push(c);
            }
        }
        input = if outs.len() == 1 { outs.remove(0) } else { Tensor::cat(&outs, 1)? };
    }
    let h_n = Tensor::stack(&hs, 0)?;
    let c_n = if cs.is_empty() { None } else { Some(Tensor::stack(&cs, 0)?) };
    Ok((input, h_n, c_n))
}

fn config(args: &Args<'_>, first: usize) -> Result<Config, KernelError> {
    Ok(Config {
        has_biases: args.bool(first)?,
        layers: args.int(first + 1)?.max(0) as usize,
        dropout: args.float(first + 2)?,
        train: args.bool(first + 3)?,
        bidirectional: args.bool(first + 4)?,
    })
}

/// The `.input` and `.data` overloads of gru/lstm/rnn: `hx` is one tensor
/// (GRU, RNN) or `[h0, c0]` (LSTM).
fn recurrent(args: &Args<'_>, cell: Cell) -> Result<Vec<RValue>, KernelError> {
    let packed = matches!(args.get(1)?, RValue::Tensor(t) if t.dim() == 1) && args.overload != "input";
    let first = args.tensor(0)?;
    let dtype = first.dtype();
    if !dtype.is_floating_point() {
        return Err(args.error("recurrent layers expect a floating point input"));
    }
    let hx_at = if packed { 2 } else { 1 };
    let (h0, c0) = if cell == Cell::Lstm {
        let hx = args.tensors(hx_at)?;
        if hx.len() != 2 {
            return Err(args.error("lstm expects hx to be [h0, c0]"));
        }
        (hx[0].data(), Some(hx[1].data()))
    } else {
        (args.tensor(hx_at)?.data(), None)
    };
    let params = args.tensors(hx_at + 1)?;
    let cfg = config(args, hx_at + 2)?;
    let (output, h_n, c_n) = if packed {
        let bs: Vec<usize> = args.tensor(1)?.to_i64s()?.into_iter().map(|b| b.max(0) as usize).collect();
        run(cell, &first.data(), &bs, &h0, c0.as_ref(), &params, &cfg)?
    } else {
        let batch_first = args.bool(hx_at + 7)?;
        let x = first.data();
        if x.rank() != 3 {
            return Err(args.error(format!("input must have 3 dimensions, got {}", x.rank())));
        }
        let x = if batch_first { x.transpose(0, 1)?.contiguous()? } else { x };
        let (t, b, i) = x.dims3()?;
        let rows = x.reshape((t * b, i))?;
        let (out, h_n, c_n) = run(cell, &rows, &vec![b; t], &h0, c0.as_ref(), &params, &cfg)?;
        let out = out.reshape((t, b, ()))?;
        let out = if batch_first { out.transpose(0, 1)?.contiguous()? } else { out };
        (out, h_n, c_n)
    };
    let mut outs = vec![RValue::Tensor(RTensor::new(output, dtype)?), RValue::Tensor(RTensor::new(h_n, dtype)?)];
    if let Some(c) = c_n {
        outs.push(RValue::Tensor(RTensor::new(c, dtype)?));
    }
    Ok(outs)
}

/// `gru_cell`/`lstm_cell`/`rnn_*_cell(input, hx, w_ih, w_hh, b_ih, b_hh)`:
/// one step of one layer (`nn.GRUCell` and friends), `hx` is `[h, c]`
/// for the LSTM: the layers' step, on a batch of rows.
fn one_step(args: &Args<'_>, cell: Cell) -> Result<Vec<RValue>, KernelError> {
    let input = args.tensor(0)?;
    let dtype = input.dtype();
    if !dtype.is_floating_point() {
        return Err(args.error("recurrent cells expect a floating point input"));
    }
    let (h, c) = if cell == Cell::Lstm {
        let hx = args.tensors(1)?;
        if hx.len() != 2 {
            return Err(args.error("lstm_cell expects hx to be [h, c]"));
        }
        (hx[0].data(), Some(hx[1].data()))
    } else {
        (args.tensor(1)?.data(), None)
    };
    let x = input.data();
    if x.rank() != 2 || h.rank() != 2 || h.dims()[0] != x.dims()[0] {
        return Err(args.error(format!(
            "expected an input and a state of 2 dimensions with one batch size, got {:?} and {:?}",
            x.dims(),
            h.dims()
        )));
    }
    let weights = Weights {
        w_ih: args.tensor(2)?.data(),
        w_hh: args.tensor(3)?.data(),
        b_ih: args.opt_tensor(4)?.map(RTensor::data),
        b_hh: args.opt_tensor(5)?.map(RTensor::data),
    };
    let batch = x.dims()[0];
    let (_, state) = run_direction(cell, &x, &[batch], State { h, c }, &weights, false)?;
    let mut outs = vec![RValue::Tensor(RTensor::new(state.h, dtype)?)];
    if let Some(c) = state.c {
        outs.push(RValue::Tensor(RTensor::new(c, dtype)?));
    }
    Ok(outs)
}

/// `_pack_padded_sequence(input, lengths, batch_first) -> (data, batch_sizes)`.
fn pack_padded_sequence(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let input = args.tensor(0)?;
    let lengths = args.tensor(1)?.to_i64s()?;
    let batch_first = args.bool(2)?;
    let x = input.data();
    let x = if batch_first { x.transpose(0, 1)? } else { x };
    let (t_max, batch) = (x.dims()[0], x.dims()[1]);
    if lengths.len() != batch {
        return Err(args.error(format!(
            "Expected `len(lengths)` to be equal to batch_size, but got {} (batch_size={batch})",
            lengths.len()
        )));
    }
    if lengths.iter().any(|l| *l <= 0) {
        return Err(args
            .error("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"));
    }
    if lengths.windows(2).any(|w| w[1] > w[0]) {
        return Err(args.error("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True."));
    }
    let longest = lengths[0] as usize;
    if longest > t_max {
        return Err(args.error(format!("the longest length {longest} exceeds the padded length {t_max}")));
    }
    let bs: Vec<i64> = (0..longest).map(|t| lengths.iter().filter(|l| **l as usize > t).count() as i64).collect();
    let parts: Vec<Tensor> =
        bs.iter().enumerate().map(|(t, b)| x.get(t)?.narrow(0, 0, *b as usize)).collect::<Result<_, _>>()?;
    let data = Tensor::cat(&parts, 0)?;
    let n = bs.len();
    Ok(vec![
        RValue::Tensor(RTensor::new(data, input.dtype())?),
        RValue::Tensor(RTensor::new(Tensor::from_vec(bs, n, &Device::Cpu)?, ScalarType::Int64)?),
    ])
}

/// `_pad_packed_sequence(data, batch_sizes, batch_first, padding_value,
/// total_length) -> (padded, lengths)`.
fn pad_packed_sequence(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let data = args.tensor(0)?;
    let bs: Vec<usize> = args.tensor(1)?.to_i64s()?.into_iter().map(|b| b.max(0) as usize).collect();
    let batch_first = args.bool(2)?;
    let padding = args.float(3)?;
    let total = args.int(4)?;
    let steps = bs.len();
    let length = if total > 0 {
        if (total as usize) < steps {
            return Err(args.error(format!(
                "Expected total_length to be at least the length of the longest sequence in the input, but got total_length={total} and max sequence length being {steps}"
            )));
        }
        total as usize
    } else {
        steps
    };
    let batch = bs.first().copied().unwrap_or(0);
    let x = data.data();
    let feature: Vec<usize> = x.dims()[1..].to_vec();
    let filler = |rows: usize| -> Result<Tensor, KernelError> {
        let mut shape = vec![rows];
        shape.extend(&feature);
        Ok(Tensor::full(padding, shape, &Device::Cpu)?.to_dtype(x.dtype())?)
    };
    let mut steps_out = Vec::with_capacity(length);
    let mut offset = 0;
    for b in &bs {
        let rows = x.narrow(0, offset, *b)?;
        offset += b;
        steps_out.push(if *b < batch { Tensor::cat(&[rows, filler(batch - b)?], 0)? } else { rows });
    }
    for _ in steps..length {
        steps_out.push(filler(batch)?);
    }
    let padded = Tensor::stack(&steps_out, 0)?;
    let padded = if batch_first { padded.transpose(0, 1)?.contiguous()? } else { padded };
    let lengths: Vec<i64> = (0..batch).map(|i| bs.iter().filter(|b| **b > i).count() as i64).collect();
    let mut out = tensor_out(padded, data.dtype())?;
    out.push(RValue::Tensor(RTensor::new(
        Tensor::from_vec(lengths, batch, &Device::Cpu)?.to_dtype(DType::I64)?,
        ScalarType::Int64,
    )?));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_then_pad_round_trips() {
        let values: Vec<f64> = (0..12).map(f64::from).collect();
        let x = RValue::Tensor(RTensor::from_f64s(values, &[4, 3, 1], ScalarType::Float32).unwrap());
        let lengths = RValue::Tensor(RTensor::from_i64s(vec![4, 2, 1], &[3], ScalarType::Int64).unwrap());
        let packed =
            super::super::call(op::aten::_pack_padded_sequence, "", &[x, lengths, RValue::Bool(false)]).unwrap();
        let bs = packed[1].as_tensor().unwrap().to_i64s().unwrap();
        assert_eq!(bs, vec![3, 2, 1, 1]);
        let padded = super::super::call(
            op::aten::_pad_packed_sequence,
            "",
            &[packed[0].clone(), packed[1].clone(), RValue::Bool(true), RValue::Float(-1.0), RValue::Int(0)],
        )
        .unwrap();
        let p = padded[0].as_tensor().unwrap();
        assert_eq!(p.shape(), vec![3, 4, 1]);
        // Sequence 2 (length 1): its first step, then padding.
        assert_eq!(p.to_f64s().unwrap()[8..12], [2.0, -1.0, -1.0, -1.0]);
        assert_eq!(padded[1].as_tensor().unwrap().to_i64s().unwrap(), vec![4, 2, 1]);
    }

    #[test]
    fn unsorted_lengths_are_refused() {
        let x = RValue::Tensor(RTensor::from_f64s(vec![0.0; 6], &[3, 2], ScalarType::Float32).unwrap());
        let lengths = RValue::Tensor(RTensor::from_i64s(vec![1, 3], &[2], ScalarType::Int64).unwrap());
        assert!(super::super::call(op::aten::_pack_padded_sequence, "", &[x, lengths, RValue::Bool(false)]).is_err());
    }
}
