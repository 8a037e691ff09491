//! The `str` methods with `start`/`end` bounds, as PyTorch 2.5.1's
//! register_prim_ops.cpp computes them — which is not Python's slicing: the
//! indices are bytes of the UTF-8 text, a negative `end` counts from one
//! past the end (so the default `-1` means the whole string), and a `start`
//! beyond the end raises C++'s `substr` error where Python would not.

use super::args::Args;
use super::{Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut std::collections::HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::startswith, startswith),
        (op::aten::endswith, endswith),
        (op::aten::find, |a| Ok(vec![RValue::Int(find(a, false)?)])),
        (op::aten::rfind, |a| Ok(vec![RValue::Int(find(a, true)?)])),
        (op::aten::rindex, |a| index(a, true)),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// A call's `self` and `substr` as bytes, `start` and `end` made
/// non-negative as PyTorch does.
struct Bounded<'a> {
    s: &'a [u8],
    sub: &'a [u8],
    start: usize,
    end: usize,
}

fn bounded<'a>(args: &'a Args<'_>) -> Result<Bounded<'a>, KernelError> {
    let (s, sub) = (args.str(0)?.as_bytes(), args.str(1)?.as_bytes());
    let size = s.len() as i64;
    let (mut start, mut end) = (args.int(2)?, args.int(3)?);
    if start < 0 {
        start = (size + start).max(0);
    }
    if end < 0 {
        end = (size + end + 1).max(0);
    }
    Ok(Bounded { s, sub, start: start as usize, end: end as usize })
}

/// C++'s `s.substr(start, end - start)`: a `start` past the end throws, a
/// negative length (as an unsigned count) takes the rest.
fn substr(s: &[u8], start: usize, end: usize) -> Result<&[u8], KernelError> {
    if start > s.len() {
        return Err(KernelError::new(format!(
            "basic_string::substr: __pos (which is {start}) > this->size() (which is {})",
            s.len()
        )));
    }
    let end = if end < start { s.len() } else { end.min(s.len()) };
    Ok(&s[start..end])
}

fn startswith(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let Bounded { s, sub, start, end } = bounded(args)?;
    Ok(vec![RValue::Bool(substr(s, start, end)?.starts_with(sub))])
}

fn endswith(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let Bounded { s, sub, start, end } = bounded(args)?;
    Ok(vec![RValue::Bool(substr(s, start, end)?.ends_with(sub))])
}

/// PyTorch's `stringFindImpl`: the first (or last) match in the bounded
/// part, as a byte index into `self`, or -1.
fn find(args: &Args<'_>, last: bool) -> Result<i64, KernelError> {
    let Bounded { s, sub, start, end } = bounded(args)?;
    let part = if end > start { substr(s, start, end)? } else { &[] };
    if part.len() < sub.len() {
        return Ok(-1);
    }
    let mut hits = (0..=part.len() - sub.len()).filter(|&i| part[i..].starts_with(sub));
    let hit = if last { hits.next_back() } else { hits.next() };
    Ok(hit.map_or(-1, |i| (i + start) as i64))
}

/// `index.str` and `rindex`: `find`, raising where it finds nothing.
pub(super) fn index(args: &Args<'_>, last: bool) -> Result<Vec<RValue>, KernelError> {
    match find(args, last)? {
        -1 => Err(KernelError::new("ValueError: substring not found")),
        i => Ok(vec![RValue::Int(i)]),
    }
}

/// `count` of a str: matches that start before `end`, not overlapping.
pub(super) fn count(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (s, sub) = (args.str(0)?.as_bytes(), args.str(1)?.as_bytes());
    if args.int(2)? > s.len() as i64 {
        return Ok(vec![RValue::Int(0)]);
    }
    let Bounded { start, end, .. } = bounded(args)?;
    if sub.is_empty() {
        // PyTorch's loop never advances past an empty match: it hangs.
        return Err(KernelError::unsupported("`str.count` of an empty substring does not terminate in PyTorch"));
    }
    let (mut pos, mut n) = (start, 0);
    while let Some(i) = s.get(pos..).and_then(|rest| rest.windows(sub.len()).position(|w| w == sub)) {
        if pos + i >= end {
            break;
        }
        n += 1;
        pos += i + sub.len();
    }
    Ok(vec![RValue::Int(n)])
}
