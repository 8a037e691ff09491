//! Hostile sources: nesting far past any limit, a million-term expression,
//! allocations larger than the machine. Each probe of issue #19 must end in
//! a coded diagnostic or success, within 20 s and 1 GiB of address space,
//! never a signal or exit 101. They run the release binary that
//! `scripts/test.sh` builds (`TSY_RELEASE_TSC`), else this build's.
//!
//! CPython 3.11.7 (the reference environment's) was asked for each probe
//! with `compile(source, "x", "exec")`: brackets 201 deep and 100 levels of
//! indentation are a `SyntaxError` ("too many nested parentheses", "too many
//! levels of indentation"); 20,000 unary minuses or `not`s, a 20,000-term
//! `**` chain and a million-term `+` chain are a `RecursionError` or
//! `MemoryError`; 2,989 minuses, 200 brackets and 99 blocks compile.
//! `reference_python_agrees_at_the_limits` asks it again when it is there.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(20);
const MEMORY_LIMIT_KIB: u64 = 1 << 20;

fn tsc_binary() -> PathBuf {
    std::env::var_os("TSY_RELEASE_TSC").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tsc")), PathBuf::from)
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file");
    path
}

/// What one bounded run of tsc printed.
struct Outcome {
    code: i32,
    stdout: String,
}

/// Runs tsc with `args` under the address-space limit, and checks it ended
/// by itself (no signal, no panic) in time.
fn tsc(args: &[&str]) -> Outcome {
    let start = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(tsc_binary())
        .args(args)
        .output()
        .expect("sh runs");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().unwrap_or_else(|| panic!("tsc {args:?} was killed: {}\n{stderr}", output.status));
    assert!(code == 0 || code == 1, "tsc {args:?} exited with {code}\n{stderr}");
    assert!(elapsed < TIME_LIMIT, "tsc {args:?} took {elapsed:?}");
    Outcome { code, stdout: String::from_utf8_lossy(&output.stdout).into_owned() }
}

/// `tsc check --format short` on `source`: the codes of its diagnostics.
fn check(name: &str, source: &str) -> Vec<String> {
    let file = temp_file(name, source);
    let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
    let codes = codes(&outcome.stdout);
    assert_eq!(outcome.code == 1, !codes.is_empty(), "{}", outcome.stdout);
    codes
}

fn codes(short: &str) -> Vec<String> {
    short.lines().filter_map(|l| l.split("error[").nth(1)).map(|rest| rest[..5].to_string()).collect()
}

fn one_error(codes: &[String], code: &str, short: &str) {
    assert_eq!(codes, [code], "{short}");
}

#[test]
fn twenty_thousand_unary_minuses_are_nested_too_deeply() {
    let codes = check("minus.tsy", &format!("x = {}1\n", "-".repeat(20_000)));
    one_error(&codes, "E1015", "20,000 minuses");
}

#[test]
fn twenty_thousand_nots_are_nested_too_deeply() {
    let codes = check("not.tsy", &format!("x = {}True\n", "not ".repeat(20_000)));
    one_error(&codes, "E1015", "20,000 nots");
}

#[test]
fn a_twenty_thousand_term_power_chain_is_nested_too_deeply() {
    // `**` is right-associative: the chain nests to the right.
    let codes = check("power.tsy", &format!("x = {}2\n", "2 ** ".repeat(20_000)));
    one_error(&codes, "E1015", "20,000 powers");
}

#[test]
fn fifty_thousand_nested_list_brackets_are_too_many_parentheses() {
    let codes = check("lists.tsy", &format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000)));
    one_error(&codes, "E1015", "50,000 brackets");
}

#[test]
fn twenty_thousand_nested_calls_are_too_many_parentheses() {
    let source = format!("def f(a):\n    return a\n\nx = {}1{}\n", "f(".repeat(20_000), ")".repeat(20_000));
    let codes = check("calls.tsy", &source);
    one_error(&codes, "E1015", "20,000 calls");
}

#[test]
fn twenty_thousand_nested_blocks_are_too_many_levels_of_indentation() {
    let source: String = (0..20_000).map(|i| format!("{}if True:\n", " ".repeat(i))).collect();
    let codes = check("blocks.tsy", &format!("{source}{}pass\n", " ".repeat(20_000)));
    one_error(&codes, "E1015", "20,000 blocks");
}

#[test]
fn the_text_after_a_nesting_error_is_not_read() {
    // An invalid character where the block too many would start, and an
    // unclosed bracket after it: one error, the first.
    let source: String = (0..100).map(|i| format!("{}if True:\n", " ".repeat(i))).collect();
    let codes = check("after.tsy", &format!("{source}{}$ = (\n", " ".repeat(100)));
    one_error(&codes, "E1015", "100 blocks and then an invalid character");
}

#[test]
fn a_flat_million_term_sum_just_works() {
    let file = temp_file("sum.tsy", &format!("x = 1{}\nassert x == 1000001\n", " + 1".repeat(1_000_000)));
    let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
    assert_eq!((outcome.code, outcome.stdout.as_str()), (0, ""));
}

/// A flat chain in compiled code: scripted, lowered, optimized and run (the
/// exit lowering was quadratic in a block's length: 100,000 terms took
/// minutes). The sum of 5,001 ones is exact in float32.
#[test]
fn a_forward_of_a_five_thousand_term_sum_runs() {
    let sum = format!("x{}", " + x".repeat(5_000));
    let source = format!(
        "import torch\nimport torch.nn as nn\n\n\nclass Sum(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        return {sum}\n\n\nmodel = torch.jit.script(Sum())\nexample_inputs = (torch.ones(2),)\n"
    );
    let file = temp_file("sum_forward.tsy", &source);
    let outcome = tsc(&["run", &file.display().to_string()]);
    assert_eq!(outcome.code, 0);
    assert!(outcome.stdout.contains("min 5001.000000  max 5001.000000"), "{}", outcome.stdout);
}

#[test]
fn expressions_as_deep_as_python_compiles_are_read() {
    let codes = check("deep.tsy", &format!("x = {}1\nassert x == -1\n", "-".repeat(2_989)));
    assert!(codes.is_empty(), "{codes:?}");
    let codes = check("deep_not.tsy", &format!("x = {}True\nassert x\n", "not ".repeat(2_988)));
    assert!(codes.is_empty(), "{codes:?}");
    let codes = check("brackets.tsy", &format!("x = {}{}\n", "[".repeat(200), "]".repeat(200)));
    assert!(codes.is_empty(), "{codes:?}");
    let blocks: String = (0..99).map(|i| format!("{}if True:\n", " ".repeat(i))).collect();
    let codes = check("blocks99.tsy", &format!("{blocks}{}pass\n", " ".repeat(99)));
    assert!(codes.is_empty(), "{codes:?}");
}

/// The limits where Python puts them: the same sources, the same verdicts.
#[test]
fn reference_python_agrees_at_the_limits() {
    let Some(python) = std::env::var_os("TSY_REFERENCE_PYTHON") else {
        return;
    };
    let blocks = |n: usize| -> String {
        let headers: String = (0..n).map(|i| format!("{}if True:\n", " ".repeat(i))).collect();
        format!("{headers}{}pass\n", " ".repeat(n))
    };
    let cases = [
        (format!("x = {}1\n", "-".repeat(2_989)), None),
        (format!("x = {}{}\n", "(".repeat(200), ")".repeat(200)), None),
        (format!("x = {}{}\n", "(".repeat(201), ")".repeat(201)), Some("too many nested parentheses")),
        (blocks(99), None),
        (blocks(100), Some("too many levels of indentation")),
    ];
    for (i, (source, refused)) in cases.iter().enumerate() {
        let file = temp_file(&format!("limit{i}.tsy"), source);
        let script = "import sys\ntry:\n    compile(open(sys.argv[1]).read(), 'x', 'exec')\nexcept SyntaxError as e:\n    print(e.msg)\n";
        let python = Command::new(&python).arg("-c").arg(script).arg(&file).output().expect("python runs");
        let said = String::from_utf8_lossy(&python.stdout).trim().to_string();
        assert_eq!(said, refused.unwrap_or(""), "CPython on case {i}");
        let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
        match refused {
            None => assert_eq!(outcome.code, 0, "case {i}: {}", outcome.stdout),
            Some(words) => assert!(outcome.stdout.contains(&format!("error[E1015]: {words}")), "{}", outcome.stdout),
        }
    }
}

#[test]
fn a_list_repeated_ten_billion_times_is_beyond_the_memory_budget() {
    let file = temp_file("list.tsy", "x = [0] * (10 ** 10)\n");
    let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
    assert!(outcome.stdout.contains("error[E5006]: the repeated sequence would need 320.0 GB"), "{}", outcome.stdout);
}

#[test]
fn a_string_repeated_a_hundred_billion_times_is_beyond_the_memory_budget() {
    let file = temp_file("str.tsy", "x = 'a' * (10 ** 11)\n");
    let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
    assert!(outcome.stdout.contains("error[E5006]: the repeated sequence would need 100.0 GB"), "{}", outcome.stdout);
}

#[test]
fn compiling_a_four_terabyte_parameter_is_refused_and_writes_no_file() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/host/huge_parameter.tsy");
    let dir = std::env::temp_dir().join(format!("tsy-hostile-ptl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = dir.join("huge.ptl");
    let outcome = tsc(&["compile", fixture, "-o", &output.display().to_string(), "--format", "short"]);
    assert!(outcome.stdout.contains("error[E5006]: this tensor would need 4.0 TB"), "{}", outcome.stdout);
    let left: Vec<_> = std::fs::read_dir(&dir).expect("the folder").collect();
    assert!(left.is_empty(), "files were written: {left:?}");
    // With a budget the machine cannot honour, the export's allocation fails:
    // a diagnostic again, no file.
    let outcome =
        tsc(&["compile", fixture, "-o", &output.display().to_string(), "--format", "short", "--max-memory", "5TB"]);
    assert!(outcome.stdout.contains("error[E4002]: cannot write the archive: i/o error: a tensor would need 4.0 TB"));
    let left: Vec<_> = std::fs::read_dir(&dir).expect("the folder").collect();
    assert!(left.is_empty(), "files were written: {left:?}");
}

#[test]
fn running_a_forward_that_allocates_four_terabytes_is_an_error() {
    let source = "import torch\nimport torch.nn as nn\n\n\nclass Grow(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        big = torch.zeros(1000000, 1000000)\n        return x + big.sum()\n\n\nmodel = torch.jit.script(Grow())\nexample_inputs = (torch.ones(2),)\n";
    let file = temp_file("grow.tsy", source);
    let outcome = tsc(&["run", &file.display().to_string(), "--format", "short"]);
    assert!(outcome.stdout.contains("error[E6001]: the tensor would need 4.0 TB"), "{}", outcome.stdout);
}

/// A scripted `forward` that never ends (PyTorch would spin forever) is
/// stopped by the step budget with a coded diagnostic at the loop.
#[test]
fn an_endless_loop_in_a_scripted_forward_stops_tsc_run() {
    let source = "import torch\nimport torch.nn as nn\n\n\nclass Spin(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        i = 0\n        while i >= 0:\n            i += 1\n        return x + i\n\n\nmodel = torch.jit.script(Spin())\nexample_inputs = (torch.ones(2),)\n";
    let file = temp_file("spin.tsy", source);
    let outcome = tsc(&["run", &file.display().to_string(), "--format", "short"]);
    assert!(outcome.stdout.contains(":8:15: error[E6001]: the run stopped after"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("is there an endless loop?"), "{}", outcome.stdout);
}

/// Doubling in a loop: each `+` makes a value twice the last, past any
/// budget in a few dozen steps (and past the machine before the step limit).
#[test]
fn doubling_a_list_or_a_string_in_a_loop_is_beyond_the_memory_budget() {
    let probes = [
        ("x = [0] * 1000\nfor i in range(64):\n    x = x + x\n", "the concatenated sequence would need"),
        ("x = [0] * 1000\nfor i in range(64):\n    x += x\n", "the concatenated sequence would need"),
        ("x = 'ab' * 1000\nfor i in range(64):\n    x = x + x\n", "the concatenated sequence would need"),
        ("x = (0,) * 1000\nfor i in range(64):\n    x = x + x\n", "the concatenated sequence would need"),
    ];
    for (i, (source, refusal)) in probes.iter().enumerate() {
        let file = temp_file(&format!("doubling{i}.tsy"), source);
        let outcome = tsc(&["check", "--format", "short", "--max-memory", "100MB", &file.display().to_string()]);
        assert!(outcome.stdout.contains(&format!("error[E5006]: {refusal}")), "{source}\n{}", outcome.stdout);
        assert!(outcome.stdout.contains("more than tsc's memory budget of 100.0 MB"), "{}", outcome.stdout);
    }
}

#[test]
fn a_comprehension_larger_than_the_memory_budget_is_refused() {
    let file = temp_file("comprehension.tsy", "x = [i for i in range(10 ** 7)]\n");
    let outcome = tsc(&["check", "--format", "short", "--max-memory", "10MB", &file.display().to_string()]);
    assert!(outcome.stdout.contains("error[E5006]: the range's items would need"), "{}", outcome.stdout);
    let file = temp_file("comprehension_nested.tsy", "x = [i * j for i in range(3000) for j in range(3000)]\n");
    let outcome = tsc(&["check", "--format", "short", "--max-memory", "10MB", &file.display().to_string()]);
    assert!(outcome.stdout.contains("error[E5006]: the list being built would need"), "{}", outcome.stdout);
}

/// `a or a or … or a` in compiled code nests one level per operand as
/// TorchScript compiles it. PyTorch 2.5.1's `torch.jit.script` compiles
/// 3,000 operands and dies of a segmentation fault on 10,000 (asked with a
/// function `def f(a: bool) -> bool: return a or a or … or a`); tsc
/// compiles up to 3,000 and refuses more (module-level code, which Python
/// runs, has no limit).
#[test]
fn an_or_chain_in_compiled_code_is_limited_as_pytorch_can_compile_it() {
    let source = |n: usize| {
        let chain = vec!["a"; n].join(" or ");
        format!(
            "import torch\n\n\ndef f(a: bool) -> bool:\n    return {chain}\n\n\nentry = torch.jit.script(f)\na = False\ny = {chain}\n"
        )
    };
    let codes = check("or_chain.tsy", &source(100_000));
    one_error(&codes, "E1015", "100,000 operands");
    let codes = check("or_chain_3000.tsy", &source(3_000));
    assert!(codes.is_empty(), "{codes:?}");
}

/// Module-level integers beyond 64 bits: CPython 3.11 computes each (a
/// bigger int, or its own error, quoted); tsc stops with the error, never a
/// wrapped, saturated or panicked result.
#[test]
fn integers_beyond_sixty_four_bits_are_errors_in_module_level_code() {
    let probes = [
        ("-MIN", "OverflowError: integer overflow"),
        ("MIN // -1", "OverflowError: integer overflow"),
        ("abs(MIN)", "OverflowError: integer overflow"),
        ("divmod(MIN, -1)", "OverflowError: integer overflow"),
        ("3 << 62", "OverflowError: integer overflow"),
        ("int(1e30)", "OverflowError: integer overflow"),
        ("round(1e300)", "OverflowError: integer overflow"),
        ("1 << -1", "ValueError: negative shift count"),
        ("1 >> -1", "ValueError: negative shift count"),
        ("round(float('inf'))", "OverflowError: cannot convert float infinity to integer"),
        ("len(range(MIN, MAX))", "OverflowError: Python int too large to convert to C ssize_t"),
    ];
    for (i, (expression, error)) in probes.iter().enumerate() {
        let source = format!("MIN = -9223372036854775807 - 1\nMAX = 9223372036854775807\nx = {expression}\n");
        let file = temp_file(&format!("int{i}.tsy"), &source);
        let outcome = tsc(&["check", "--format", "short", &file.display().to_string()]);
        assert!(outcome.stdout.contains(&format!("error[E5009]: {error}")), "{expression}: {}", outcome.stdout);
    }
}

/// Kernels whose result outgrows their operands: a million-element vector
/// broadcast against itself, multiplied as a column by a row, repeated,
/// expanded and materialized, concatenated, chosen from with `where`: each
/// a 4 TB result, refused before it is allocated, in `tsc run` and in
/// module-level code alike.
#[test]
fn kernels_with_results_beyond_the_memory_budget_are_errors() {
    let expressions = [
        "x.reshape(-1, 1) + x.reshape(1, -1)",
        "torch.matmul(x.reshape(-1, 1), x.reshape(1, -1))",
        "x.repeat(1000000)",
        "x.expand(1000000, 1000000).contiguous()",
        "torch.cat([x.expand(1000000, 1000000), x.expand(1000000, 1000000)])",
        "torch.where(x.reshape(-1, 1) > 0, x.reshape(1, -1), x)",
    ];
    for (i, expression) in expressions.iter().enumerate() {
        let source = format!(
            "import torch\nimport torch.nn as nn\n\n\nclass Big(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n        y = {expression}\n        return y.sum()\n\n\nmodel = torch.jit.script(Big())\nexample_inputs = (torch.ones(1000000),)\n"
        );
        let file = temp_file(&format!("kernel{i}.tsy"), &source);
        let outcome = tsc(&["run", "--format", "short", "--max-memory", "100MB", &file.display().to_string()]);
        assert!(outcome.stdout.contains("error[E6001]: the tensor would need"), "{expression}: {}", outcome.stdout);
        let file = temp_file(
            &format!("kernel_host{i}.tsy"),
            &format!("import torch\nx = torch.ones(1000000)\ny = {expression}\n"),
        );
        let outcome = tsc(&["check", "--format", "short", "--max-memory", "100MB", &file.display().to_string()]);
        assert!(outcome.stdout.contains("the tensor would need"), "{expression}: {}", outcome.stdout);
    }
}
