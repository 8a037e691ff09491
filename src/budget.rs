//! The memory budget: the most one value tsc builds (a list, a string, a
//! tensor) may take. Checked before the allocation, so a source that asks
//! for more than the machine has gets a diagnostic at the expression, with
//! the size it would have needed, instead of an abort; `--max-memory` sets
//! it for the process. And the step budget of module-level evaluation and
//! of a run of compiled code, which the fuzz targets make small.

use std::sync::atomic::{AtomicU64, Ordering};

/// 4 GiB: far above any model tsc is meant for, below what a CI machine has.
pub const DEFAULT: u64 = 4 << 30;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT);

/// Statements and calls one host evaluation may run before it is stopped,
/// and operations one run of compiled code (`tsc run`, tracing) may.
pub const DEFAULT_STEPS: u64 = 5_000_000;

static STEPS: AtomicU64 = AtomicU64::new(DEFAULT_STEPS);

pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// A smaller step limit: the fuzz targets' (an endless loop is refused
/// sooner, so a run explores more inputs).
pub fn set_step_limit(steps: u64) {
    STEPS.store(steps, Ordering::Relaxed);
}

pub fn step_limit() -> u64 {
    STEPS.load(Ordering::Relaxed)
}

/// `count` items of `item_size` bytes, if that fits the budget; else what
/// to say about it ("would need 4.0 TB, more than …").
pub fn check(count: u128, item_size: u128) -> Result<(), String> {
    let needed = count.saturating_mul(item_size);
    if needed <= u128::from(limit()) {
        return Ok(());
    }
    let limit = limit();
    let budget = if limit.is_multiple_of(1 << 30) { format!("{} GiB", limit >> 30) } else { size(limit.into()) };
    Err(format!("would need {}, more than tsc's memory budget of {budget} (`--max-memory`)", size(needed)))
}

/// The bytes a tensor of `shape` with elements of `item_size` bytes takes
/// (saturating: a shape beyond `u128` is beyond any budget).
pub fn tensor(shape: &[usize], item_size: usize) -> Result<(), String> {
    let numel = shape.iter().fold(1u128, |n, d| n.saturating_mul(*d as u128));
    check(numel, item_size as u128)
}

/// `bytes` in decimal units, one decimal: "4.0 TB", "80.0 GB", "512 B".
pub fn size(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Reads `--max-memory`: bytes, or a number with a unit (`512MB`, `8GiB`).
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => return Err(format!("unknown unit `{other}` (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)")),
    };
    let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a size such as 4GiB or 512MB"))?;
    Ok((value * factor as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print_in_their_units() {
        assert_eq!(parse("512MB"), Ok(512_000_000));
        assert_eq!(parse("4GiB"), Ok(4 << 30));
        assert_eq!(parse("1000"), Ok(1000));
        assert!(parse("4 parsecs").is_err());
        assert_eq!(size(4_000_000_000_000), "4.0 TB");
        assert_eq!(size(999), "999 B");
        assert!(size(u128::MAX).ends_with(" EB"));
    }

    #[test]
    fn the_budget_refuses_only_beyond_the_limit() {
        assert!(tensor(&[1 << 20], 4).is_ok());
        let refused = tensor(&[1_000_000, 1_000_000], 4).unwrap_err();
        assert!(refused.starts_with("would need 4.0 TB, more than"), "{refused}");
        assert!(tensor(&[usize::MAX, usize::MAX, usize::MAX], 8).is_err());
    }
}
