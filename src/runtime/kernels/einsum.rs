//! `einsum` and `outer`: sums of products over labelled dimensions, as
//! `torch.einsum` defines them (an implicit output is the labels used
//! once, in alphabetical order; a dimension of size 1 broadcasts), summed
//! in `f64` and stored in the operands' promoted type.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[(op::aten::einsum, einsum), (op::aten::outer, outer)];
    table.extend(kernels.iter().copied());
}

fn einsum(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let equation = args.str(0)?.replace(' ', "");
    let tensors = args.tensors(1)?;
    let product = contract(args, &equation, &tensors)?;
    Ok(vec![RValue::Tensor(product)])
}

fn outer(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.tensor(0)?.clone(), args.tensor(1)?.clone());
    for t in [&a, &b] {
        if t.shape().len() != 1 {
            return Err(args.error(format!("outer: Expected 1-D argument self, but got {}-D", t.shape().len())));
        }
    }
    Ok(vec![RValue::Tensor(contract(args, "i,j->ij", &[a, b])?)])
}

fn contract(args: &Args<'_>, equation: &str, tensors: &[RTensor]) -> Result<RTensor, KernelError> {
    if equation.contains("...") {
        return Err(KernelError::unsupported("einsum with an ellipsis (`...`) is not supported yet"));
    }
    let (inputs, output) = match equation.split_once("->") {
        Some((inputs, output)) => (inputs, Some(output)),
        None => (equation, None),
    };
    if let Some(c) = equation.chars().find(|c| !c.is_ascii_alphabetic() && !matches!(c, ',' | '-' | '>')) {
        return Err(args.error(format!(
            "einsum(): invalid subscript given in the equation string, subscripts must be in [a-zA-Z] (got `{c}`)"
        )));
    }
    let operands: Vec<Vec<char>> = inputs.split(',').map(|s| s.chars().collect()).collect();
    if operands.len() != tensors.len() {
        let which = if operands.len() > tensors.len() { "fewer" } else { "more" };
        return Err(args.error(format!("einsum(): {which} operands were provided than specified in the equation")));
    }
    // Each label's size: the largest of its dimensions (size 1 broadcasts).
    let mut sizes: Vec<(char, usize)> = Vec::new();
    for (i, (labels, t)) in operands.iter().zip(tensors).enumerate() {
        let shape = t.shape();
        if labels.len() != shape.len() {
            return Err(args.error(format!(
                "einsum(): the number of subscripts in the equation ({}) does not match the number of dimensions ({}) for operand {} and no ellipsis was given",
                labels.len(),
                shape.len(),
                i
            )));
        }
        for (&label, &n) in labels.iter().zip(&shape) {
            match sizes.iter_mut().find(|(l, _)| *l == label) {
                Some((_, size)) if *size == 1 => *size = n,
                Some((_, size)) if n != 1 && *size != n => {
                    return Err(args.error(format!(
                        "einsum(): subscript {label} has size {n} for operand {i} which does not broadcast with previously seen size {size}"
                    )));
                }
                Some(_) => {}
                None => sizes.push((label, n)),
            }
        }
    }
    let output: Vec<char> = match output {
        Some(o) => o.chars().collect(),
        None => {
            let mut once: Vec<char> = sizes
                .iter()
                .map(|(l, _)| *l)
                .filter(|l| operands.iter().flatten().filter(|c| *c == l).count() == 1)
                .collect();
            once.sort_unstable();
            once
        }
    };
    let size_of = |label: char| sizes.iter().find(|(l, _)| *l == label).map(|(_, n)| *n);
    let out_shape: Vec<usize> = output
        .iter()
        .map(|&l| {
            size_of(l).ok_or_else(|| {
                args.error(format!(
                    "einsum(): output subscript {l} does not appear in the equation for any input operand"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let summed: Vec<char> = sizes.iter().map(|(l, _)| *l).filter(|l| !output.contains(l)).collect();
    let labels: Vec<char> = output.iter().chain(&summed).copied().collect();
    let ranges: Vec<usize> = labels.iter().map(|&l| size_of(l).unwrap_or(1)).collect();
    let total: u128 = ranges.iter().map(|&n| n as u128).product();
    crate::budget::check(total, 8).map_err(|e| args.error(format!("einsum would visit too many products: {e}")))?;
    // Per operand: its values, and per label position its stride (0 for a
    // broadcast dimension).
    let mut data = Vec::new();
    for (ops, t) in operands.iter().zip(tensors) {
        let shape = t.shape();
        let mut strides = vec![0usize; labels.len()];
        let mut stride = 1;
        for d in (0..shape.len()).rev() {
            if shape[d] != 1 {
                let at = labels.iter().position(|l| *l == ops[d]).unwrap_or(0);
                strides[at] += stride;
            }
            stride *= shape[d];
        }
        data.push((t.to_f64s()?, strides));
    }
    let out_count: usize = out_shape.iter().product();
    let inner: usize = ranges[output.len()..].iter().product();
    let mut values = vec![0.0; out_count];
    let mut index = vec![0usize; labels.len()];
    for value in &mut values {
        let mut sum = 0.0;
        for _ in 0..inner {
            sum += data.iter().map(|(v, s)| v[index.iter().zip(s).map(|(i, s)| i * s).sum::<usize>()]).product::<f64>();
            advance(&mut index[output.len()..], &ranges[output.len()..]);
        }
        *value = sum;
        advance(&mut index[..output.len()], &ranges[..output.len()]);
    }
    let dtype = tensors.iter().map(RTensor::dtype).reduce(super::pointwise::promote).unwrap_or(ScalarType::Float32);
    RTensor::from_f64s(values, &out_shape, dtype)
}

/// An odometer step over `ranges`, wrapping to all zeros.
fn advance(index: &mut [usize], ranges: &[usize]) {
    for k in (0..index.len()).rev() {
        index[k] += 1;
        if index[k] < ranges[k] {
            return;
        }
        index[k] = 0;
    }
}
