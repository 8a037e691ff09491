//! The other `str` methods, as PyTorch 2.5.1's register_prim_ops.cpp
//! computes them: byte by byte under the C locale (`::isalpha`, `::toupper`
//! see ASCII only), so `"É".lower()` is `"É"` and `"ab".isidentifier()` is
//! Python 2's answer. A result that splits a UTF-8 character, or a call on
//! which PyTorch never returns (`"ab".replace("", "x")`), is refused.

use super::args::Args;
use super::{Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut std::collections::HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::lower, |a| map_bytes(a, |c| c.to_ascii_lowercase())),
        (op::aten::upper, |a| map_bytes(a, |c| c.to_ascii_uppercase())),
        (op::aten::swapcase, |a| {
            map_bytes(a, |c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
        }),
        (op::aten::capitalize, capitalize),
        (op::aten::title, title),
        (op::aten::isdigit, |a| all_bytes(a, |c| c.is_ascii_digit())),
        (op::aten::isdecimal, |a| all_bytes(a, |c| c.is_ascii_digit())),
        (op::aten::isnumeric, |a| all_bytes(a, |c| c.is_ascii_digit())),
        (op::aten::isspace, |a| all_bytes(a, is_c_space)),
        (op::aten::isalnum, |a| all_bytes(a, |c| c.is_ascii_alphanumeric())),
        (op::aten::isalpha, |a| all_bytes(a, |c| c.is_ascii_alphabetic())),
        (op::aten::isupper, |a| cased(a, |c| c.is_ascii_uppercase())),
        (op::aten::islower, |a| cased(a, |c| c.is_ascii_lowercase())),
        (op::aten::isidentifier, isidentifier),
        (op::aten::istitle, istitle),
        (op::aten::isprintable, isprintable),
        (op::aten::strip, |a| strip(a, true, true)),
        (op::aten::lstrip, |a| strip(a, true, false)),
        (op::aten::rstrip, |a| strip(a, false, true)),
        (op::aten::replace, replace),
        (op::aten::rsplit, rsplit),
        (op::aten::splitlines, splitlines),
        (op::aten::partition, |a| partition(a, false)),
        (op::aten::rpartition, |a| partition(a, true)),
        (op::aten::center, |a| pad(a, Side::Center)),
        (op::aten::ljust, |a| pad(a, Side::Right)),
        (op::aten::rjust, |a| pad(a, Side::Left)),
        (op::aten::zfill, zfill),
        (op::aten::expandtabs, expandtabs),
        (op::aten::percentFormat, super::percent_format::percent_format),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// Bytes back to a `str`, refused where PyTorch's byte-wise result is not
/// UTF-8 (Python would never split a character).
fn text(bytes: Vec<u8>) -> Result<RValue, KernelError> {
    String::from_utf8(bytes).map(|s| RValue::Str(s.into())).map_err(|_| {
        KernelError::unsupported("PyTorch's result splits a UTF-8 character, which a Python str cannot hold")
    })
}

fn texts(parts: Vec<Vec<u8>>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::list(parts.into_iter().map(text).collect::<Result<_, _>>()?)])
}

fn bytes<'a>(args: &'a Args<'_>, i: usize) -> Result<&'a [u8], KernelError> {
    Ok(args.str(i)?.as_bytes())
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn map_bytes(args: &Args<'_>, f: fn(u8) -> u8) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![text(bytes(args, 0)?.iter().map(|&c| f(c)).collect())?])
}

/// The `is*` predicates: false for an empty string.
fn all_bytes(args: &Args<'_>, f: fn(u8) -> bool) -> Result<Vec<RValue>, KernelError> {
    let s = bytes(args, 0)?;
    Ok(vec![RValue::Bool(!s.is_empty() && s.iter().all(|&c| f(c)))])
}

/// `isupper`/`islower`: some letter, and every letter of that case.
fn cased(args: &Args<'_>, f: fn(u8) -> bool) -> Result<Vec<RValue>, KernelError> {
    let s = bytes(args, 0)?;
    let letters = s.iter().filter(|c| c.is_ascii_alphabetic());
    Ok(vec![RValue::Bool(s.iter().any(u8::is_ascii_alphabetic) && letters.clone().all(|&c| f(c)))])
}

fn capitalize(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let s = bytes(args, 0)?;
    let out = s.iter().enumerate().map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
    Ok(vec![text(out.collect())?])
}

fn title(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let mut after_letter = false;
    let mut out = Vec::new();
    for &c in bytes(args, 0)? {
        out.push(if after_letter { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() });
        after_letter = c.is_ascii_alphabetic();
    }
    Ok(vec![text(out)?])
}

/// Python 2's rule, as PyTorch has it: not empty, no leading digit, every
/// byte alphanumeric (so not `_`).
fn isidentifier(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let s = bytes(args, 0)?;
    let ok = s.first().is_some_and(|c| !c.is_ascii_digit()) && s.iter().all(u8::is_ascii_alphanumeric);
    Ok(vec![RValue::Bool(ok)])
}

fn istitle(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (mut result, mut after_letter) = (false, false);
    for &c in bytes(args, 0)? {
        let wrong = if after_letter { c != c.to_ascii_lowercase() } else { c != c.to_ascii_uppercase() };
        if wrong {
            result = false;
            break;
        }
        if !after_letter && c.is_ascii_alphabetic() {
            result = true;
        }
        after_letter = c.is_ascii_alphabetic();
    }
    Ok(vec![RValue::Bool(result)])
}

/// True for an empty string too.
fn isprintable(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let ok = bytes(args, 0)?.iter().all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation() || *c == b' ');
    Ok(vec![RValue::Bool(ok)])
}

/// The strip family: the bytes of `chars` (a set) off either end.
fn strip(args: &Args<'_>, left: bool, right: bool) -> Result<Vec<RValue>, KernelError> {
    let (mut s, chars) = (bytes(args, 0)?, bytes(args, 1)?);
    if right {
        s = s.iter().rposition(|c| !chars.contains(c)).map_or(&[][..], |i| &s[..=i]);
    }
    if left {
        s = s.iter().position(|c| !chars.contains(c)).map_or(&[][..], |i| &s[i..]);
    }
    Ok(vec![text(s.to_vec())?])
}

/// Where `sub` next occurs in `s` at or after `from` (C++'s `find`).
fn find_from(s: &[u8], sub: &[u8], from: usize) -> Option<usize> {
    if from > s.len() {
        return None;
    }
    if sub.is_empty() {
        return Some(from);
    }
    s[from..].windows(sub.len()).position(|w| w == sub).map(|i| i + from)
}

fn never_returns(what: &str) -> KernelError {
    KernelError::unsupported(format!("{what} does not terminate in PyTorch"))
}

fn replace(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (old, new, max) = (bytes(args, 1)?, bytes(args, 2)?, args.int(3)?);
    if old.is_empty() && max < 0 {
        return Err(never_returns("`str.replace` of an empty string without a count"));
    }
    let mut s = bytes(args, 0)?.to_vec();
    let (mut pos, mut done) = (0, 0);
    while let Some(at) = find_from(&s, old, pos) {
        done += 1;
        if max >= 0 && done > max {
            break;
        }
        s.splice(at..at + old.len(), new.iter().copied());
        pos = at + new.len();
    }
    Ok(vec![text(s)?])
}

/// The bytes PyTorch splits on without a separator (and `splitlines` on,
/// without the space and tab): its literal's bytes, `\u2028` and `\u2029`
/// in UTF-8 included, each on its own.
const LINE_BREAKS: &[u8] = b"\n\r\x0b\x0c\x1c\x1d\x1e\x85\xe2\x80\xa8\xa9";

/// `split.str` (the tensor `split` kernel hands a str here).
pub(super) fn split(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let s = bytes(args, 0)?;
    let Some(RValue::Str(sep)) = args.opt(1) else {
        let mut parts = Vec::new();
        for part in s.split(|c| *c == b' ' || *c == b'\t' || LINE_BREAKS.contains(c)) {
            if !part.is_empty() {
                parts.push(part.to_vec());
            }
        }
        return texts(parts);
    };
    let (sep, max) = (sep.as_bytes(), args.int(2)?);
    if sep.is_empty() {
        return Err(KernelError::new("ValueError: empty separator"));
    }
    let (mut parts, mut prev, mut count) = (Vec::new(), 0, 0);
    while let Some(at) = find_from(s, sep, prev) {
        count += 1;
        if max >= 0 && count > max {
            break;
        }
        parts.push(s[prev..at].to_vec());
        prev = at + sep.len();
    }
    parts.push(s[prev..].to_vec());
    texts(parts)
}

/// `rsplit`: `split` of the reversed string by the reversed separator.
fn rsplit(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (max, sep) = (args.int(2)?, bytes(args, 1)?);
    if sep.is_empty() && max < 0 {
        return Err(never_returns("`str.rsplit` by an empty separator without a count"));
    }
    let s: Vec<u8> = bytes(args, 0)?.iter().rev().copied().collect();
    let sep: Vec<u8> = sep.iter().rev().copied().collect();
    let reversed = |part: &[u8]| part.iter().rev().copied().collect::<Vec<u8>>();
    let (mut parts, mut prev, mut pos, mut count) = (Vec::new(), 0, 0, 0);
    while let Some(at) = find_from(&s, &sep, pos) {
        count += 1;
        if max >= 0 && count > max {
            break;
        }
        parts.insert(0, reversed(&s[prev..at]));
        pos = at + sep.len();
        prev = pos;
    }
    parts.insert(0, reversed(&s[prev..]));
    texts(parts)
}

/// PyTorch's `splitlines`: every break byte ends a line (`\r\n` makes an
/// empty line), and `keepends` adds the break as an item of its own.
fn splitlines(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (s, keepends) = (bytes(args, 0)?, args.bool(1)?);
    let (mut parts, mut prev) = (Vec::new(), 0);
    for (at, c) in s.iter().enumerate() {
        if LINE_BREAKS.contains(c) {
            parts.push(s[prev..at].to_vec());
            if keepends {
                parts.push(vec![*c]);
            }
            prev = at + 1;
        }
    }
    if prev != s.len() {
        parts.push(s[prev..].to_vec());
    }
    texts(parts)
}

fn partition(args: &Args<'_>, last: bool) -> Result<Vec<RValue>, KernelError> {
    let (s, sep) = (bytes(args, 0)?, bytes(args, 1)?);
    let found = if last {
        let mut found = find_from(s, sep, 0);
        while let Some(next) = found.and_then(|at| find_from(s, sep, at + 1)) {
            found = Some(next);
        }
        found
    } else {
        find_from(s, sep, 0)
    };
    let (at, sep) = match found {
        Some(at) => (at, sep),
        None if last => (0, &[][..]),
        None => (s.len(), &[][..]),
    };
    let parts = [s[..at].to_vec(), sep.to_vec(), s[at + sep.len()..].to_vec()];
    parts.into_iter().map(text).collect()
}

/// Where `center`, `ljust` and `rjust` put the fill.
enum Side {
    Center,
    Left,
    Right,
}

fn pad(args: &Args<'_>, side: Side) -> Result<Vec<RValue>, KernelError> {
    let (s, width, fill) = (bytes(args, 0)?, args.int(1)?, bytes(args, 2)?);
    let &[fill] = fill else {
        return Err(KernelError::new("TypeError: The fill character must be exactly one character long"));
    };
    let missing = usize::try_from(width - s.len() as i64).unwrap_or(0);
    let (left, right) = match side {
        Side::Left => (missing, 0),
        Side::Right => (0, missing),
        Side::Center if width < 0 => return Err(never_returns("`str.center` to a negative width")),
        // PyTorch's: the larger half goes left when the width is odd.
        Side::Center if width % 2 == 1 => (missing.div_ceil(2), missing / 2),
        Side::Center => (missing / 2, missing.div_ceil(2)),
    };
    let mut out = vec![fill; left];
    out.extend_from_slice(s);
    out.extend(std::iter::repeat_n(fill, right));
    Ok(vec![text(out)?])
}

fn zfill(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (s, width) = (bytes(args, 0)?, args.int(1)?);
    let mut out = vec![b'0'; usize::try_from(width - s.len() as i64).unwrap_or(0)];
    out.extend_from_slice(s);
    Ok(vec![text(out)?])
}

fn expandtabs(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (s, tabsize) = (bytes(args, 0)?, args.int(1)?);
    let mut out = Vec::new();
    for &c in s {
        if c != b'\t' {
            out.push(c);
        } else if tabsize > 0 {
            loop {
                out.push(b' ');
                if out.len() as i64 % tabsize == 0 {
                    break;
                }
            }
        }
    }
    Ok(vec![text(out)?])
}
