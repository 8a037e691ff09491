//! Lex + layout + parse throughput on a generated 10,000-line model file.
//! Run with `cargo bench --bench parse`; it prints MB/s (criterion's
//! throughput) and lines/s.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tsy::source::SourceMap;
use tsy::syntax::Interner;

/// A model file of about `lines` lines: many modules in the style of real
/// PyTorch code (annotations, control flow, calls, f-strings, comments).
pub fn model_file(lines: usize) -> String {
    let mut out = String::from(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom typing import List, Optional, Tuple\n\n",
    );
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&format!(
            r#"

class Block{i}(nn.Module):
    """A residual block, number {i}."""

    __constants__ = ["scale"]

    def __init__(self, channels: int = 64, scale: float = 0.5) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.scale = scale
        self.names: List[str] = [f"layer{{k}}" for k in range(4)]

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, int]:
        identity = x
        out = F.relu(self.bn1(self.conv1(x)))  # first conv
        out = self.bn2(self.conv2(out)) * self.scale + identity
        if mask is not None:
            out = out.masked_fill(mask == 0, -1e9)
        total = 0
        for k in range(out.size(0)):
            if k % 2 == 0 and k > 1:
                total += k ** 2 // 3
            elif not k:
                continue
            else:
                total -= 1
        while total > 100:
            total = total - 7
        return torch.flatten(F.adaptive_avg_pool2d(out, (1, 1)), 1)[:, 0:{i}:1], total
"#
        ));
        i += 1;
    }
    out
}

fn parse(c: &mut Criterion) {
    let text = model_file(10_000);
    let lines = text.lines().count();
    let bytes = text.len();
    // One plain timing for the lines/s figure, next to criterion's MB/s.
    let mut map = SourceMap::new();
    let file = map.add("bench.tsy", text.clone());
    let runs = 20;
    let mut trees = Vec::with_capacity(runs);
    let start = Instant::now();
    for _ in 0..runs {
        let mut interner = Interner::new();
        trees.push(black_box(tsy::syntax::parse(&map, file, &mut interner)));
    }
    let per_run = start.elapsed().as_secs_f64() / runs as f64;
    drop(trees);
    println!(
        "model file: {lines} lines, {bytes} bytes; {:.1} MB/s, {:.0} lines/s",
        bytes as f64 / per_run / 1e6,
        lines as f64 / per_run
    );

    let mut group = c.benchmark_group("syntax");
    group.throughput(Throughput::Bytes(bytes as u64));
    let mut map = SourceMap::new();
    let file = map.add("bench.tsy", text.clone());
    // The tree is dropped outside the timing: freeing it is not parsing.
    group.bench_function("lex+layout+parse 10k lines", |b| {
        b.iter_with_large_drop(|| {
            let mut interner = Interner::new();
            let parsed = tsy::syntax::parse(&map, file, &mut interner);
            assert!(parsed.diagnostics.is_empty());
            (parsed, interner)
        });
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
