//! The mobile passes on small models: what each pass rewrites, what it
//! must leave alone (its preconditions), and each `--skip` switch. The
//! graphs come from `tsc compile --print-after`; the numbers of every pass
//! are checked against PyTorch by tests/interop/ptl.rs.

use std::path::PathBuf;
use std::process::Command;

/// Compiles `source` (a model file whose entry is `m`) with `flags` and
/// returns the graph after the last stage printed.
fn final_graph(name: &str, source: &str, flags: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("tsy-passes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file: PathBuf = dir.join(format!("{name}.tsy"));
    std::fs::write(&file, source).expect("temp file");
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("compile")
        .arg(&file)
        .arg("-o")
        .arg(dir.join(format!("{name}.ptl")))
        .args(["--print-after", "final"])
        .args(flags)
        .output()
        .expect("tsc runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name}: {stderr}");
    stderr
}

fn count(graph: &str, kind: &str) -> usize {
    graph.matches(&format!(" {kind}(")).count()
}

const HEADER: &str = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n";

fn model(init: &str, forward: &str) -> String {
    format!(
        "{HEADER}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n{init}\n    def forward(self, x):\n{forward}\n\n\nm = torch.jit.script(M())\n"
    )
}

#[test]
fn conv_batchnorm_relu_becomes_one_clamped_conv() {
    let source = model(
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)\n        self.relu = nn.ReLU()",
        "        return self.relu(self.bn(self.conv(x)))",
    );
    let graph = final_graph("conv_bn_relu", &source, &[]);
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::batch_norm") + count(&graph, "aten::relu"), 0, "{graph}");
    assert!(graph.contains("output_min=0., output_max=None"), "relu is the clamp: {graph}");
    assert!(!graph.contains("prim::GetAttr"), "frozen: {graph}");

    // --skip conv-bn-fusion: the batchnorm stays, and so blocks the relu.
    let graph = final_graph("conv_bn_relu_skip", &source, &["--skip", "conv-bn-fusion"]);
    assert_eq!(count(&graph, "aten::batch_norm"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::relu"), 1, "{graph}");
    // --skip prepack: aten::conv2d and the relu stay.
    let graph = final_graph("conv_bn_relu_noprepack", &source, &["--skip", "prepack"]);
    assert_eq!((count(&graph, "aten::conv2d"), count(&graph, "aten::relu")), (1, 1), "{graph}");
    assert_eq!(count(&graph, "aten::batch_norm"), 0, "{graph}");
}

#[test]
fn batchnorm_folding_needs_a_conv_whose_output_only_the_batchnorm_reads() {
    // The conv output read twice: no folding.
    let twice = model(
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)",
        "        y = self.conv(x)\n        return self.bn(y) + y",
    );
    let graph = final_graph("conv_twice", &twice, &[]);
    assert_eq!(count(&graph, "aten::batch_norm"), 1, "{graph}");
    // BatchNorm before the conv, and a functional batch_norm: not folded.
    let before = model(
        "        self.bn = nn.BatchNorm2d(3)\n        self.conv = nn.Conv2d(3, 8, 3)",
        "        return self.conv(self.bn(x))",
    );
    assert_eq!(count(&final_graph("bn_before", &before, &[]), "aten::batch_norm"), 1);
}

#[test]
fn hardtanh_with_constant_bounds_fuses_and_a_second_reader_blocks_fusion() {
    let relu6 = model(
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.act = nn.ReLU6(inplace=True)",
        "        return self.act(self.conv(x))",
    );
    let graph = final_graph("conv_relu6", &relu6, &[]);
    assert!(graph.contains("output_min=0., output_max=6."), "{graph}");
    assert_eq!(count(&graph, "aten::hardtanh_"), 0, "{graph}");
    let two_readers =
        model("        self.conv = nn.Conv2d(3, 8, 3)", "        y = self.conv(x)\n        return F.relu(y) + y");
    let graph = final_graph("conv_two_readers", &two_readers, &[]);
    assert_eq!(count(&graph, "aten::relu"), 1, "{graph}");
    assert!(graph.contains("output_min=None, output_max=None"), "{graph}");
}

#[test]
fn dropout_goes_in_eval_and_stays_when_forced_on() {
    let eval = model(
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.drop = nn.Dropout(0.2)\n        self.relu = nn.ReLU()",
        "        return self.relu(self.drop(self.conv(x)))",
    );
    let graph = final_graph("dropout", &eval, &[]);
    assert_eq!(count(&graph, "aten::dropout"), 0, "{graph}");
    // Better than PyTorch: the dropout between conv and relu does not block
    // the fusion (PyTorch removes dropout after fusing; tests/interop).
    assert_eq!(count(&graph, "aten::relu"), 0, "{graph}");
    let graph = final_graph("dropout_skip", &eval, &["--skip", "remove-dropout"]);
    assert_eq!(count(&graph, "aten::dropout"), 1, "{graph}");
    let forced = model("", "        return F.dropout(x, 0.5, True)");
    assert_eq!(count(&final_graph("dropout_forced", &forced, &[]), "aten::dropout"), 1);
}

#[test]
fn linear_relu_fuses_and_linear_is_prepacked() {
    let source = model(
        "        self.fc = nn.Linear(4, 8)\n        self.relu = nn.ReLU()",
        "        return self.relu(self.fc(x))",
    );
    let graph = final_graph("linear_relu", &source, &[]);
    assert_eq!(count(&graph, "prepacked::linear_clamp_run"), 1, "{graph}");
    // Better than PyTorch, which never fuses an activation into a linear.
    assert_eq!(count(&graph, "aten::relu"), 0, "{graph}");
    assert!(graph.contains("LinearOpContext, output_min=0., output_max=None"), "{graph}");
}

#[test]
fn add_relu_fuses_unless_an_in_place_add_meets_an_out_of_place_relu() {
    let in_place = model(
        "        self.relu = nn.ReLU(inplace=True)",
        "        y = x * 2\n        y += x\n        return self.relu(y)",
    );
    let graph = final_graph("add_relu_inplace", &in_place, &[]);
    assert_eq!(count(&graph, "aten::_add_relu_"), 1, "{graph}");
    let out_of_place = model("", "        return F.relu(x * 2 + x)");
    assert_eq!(count(&final_graph("add_relu", &out_of_place, &[]), "aten::_add_relu"), 1);
    let mixed = model("", "        y = x * 2\n        y += x\n        return F.relu(y)");
    let graph = final_graph("add_inplace_relu", &mixed, &[]);
    assert_eq!((count(&graph, "aten::add_"), count(&graph, "aten::relu")), (1, 1), "{graph}");
    let graph = final_graph("add_relu_skip", &out_of_place, &["--skip", "fuse-add-relu"]);
    assert_eq!((count(&graph, "aten::add"), count(&graph, "aten::relu")), (1, 1), "{graph}");
}

#[test]
fn padding_same_convolutions_compile() {
    // PyTorch's prepack pass asserts on padding="same"; here a symmetric
    // "same" is explicit padding, prepacked and fused.
    let same = model("        self.conv = nn.Conv2d(3, 8, 3, padding=\"same\")", "        return F.relu(self.conv(x))");
    let graph = final_graph("padding_same", &same, &[]);
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::relu"), 0, "{graph}");
    // An even kernel pads asymmetrically: left as aten::conv2d.
    let even = model("        self.conv = nn.Conv2d(3, 8, 2, padding=\"same\")", "        return self.conv(x)");
    assert_eq!(count(&final_graph("padding_same_even", &even, &[]), "aten::conv2d"), 1);
}

#[test]
fn an_attribute_forward_writes_stays_an_attribute() {
    let source = model("        self.calls = 0", "        self.calls = self.calls + 1\n        return x * 2");
    let graph = final_graph("set_attr", &source, &[]);
    assert_eq!(graph.matches("prim::SetAttr[name=\"calls\"]").count(), 1, "{graph}");
    assert!(graph.contains("prim::GetAttr[name=\"calls\"]"), "{graph}");
}

#[test]
fn conv1d_runs_as_conv2d_and_rank_checks_are_asked_once() {
    let source = model(
        "        self.conv = nn.Conv1d(4, 8, 3)\n        self.bn = nn.BatchNorm1d(8)",
        "        return F.relu(self.bn(self.conv(x)))",
    );
    let graph = final_graph("conv1d", &source, &[]);
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    assert_eq!((count(&graph, "aten::unsqueeze"), count(&graph, "aten::squeeze")), (1, 1), "{graph}");
    // BatchNorm1d is not folded (PyTorch has no conv1d round) and keeps
    // its rank check, whose `input.dim()` common subexpression is one node.
    assert_eq!(count(&graph, "aten::batch_norm"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::dim"), 1, "{graph}");
}

#[test]
fn exported_methods_are_dropped_unless_preserved() {
    let source = format!(
        "{HEADER}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n\n    @torch.jit.export\n    def features(self, x):\n        return torch.relu(self.bn(self.conv(x)))\n\n\nm = torch.jit.script(M())\n"
    );
    let dir = std::env::temp_dir().join(format!("tsy-passes-preserve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("m.tsy");
    std::fs::write(&file, source).expect("temp file");
    let bytecode = |flags: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .arg("compile")
            .arg(&file)
            .args(["--emit", "bytecode"])
            .args(flags)
            .output()
            .expect("tsc runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = bytecode(&[]);
    assert!(plain.contains("function __torch__.M.forward") && !plain.contains(".features"), "{plain}");
    let kept = bytecode(&["--preserve-method", "features"]);
    assert!(kept.contains("function __torch__.M.features"), "{kept}");
    // The pair is folded once, for both methods; `features` fuses its relu.
    assert!(!kept.contains("batch_norm") && kept.contains("1, 0.0, None)>"), "{kept}");
    // The file's own `optimize_for_mobile(m, preserved_methods=[...])` too.
    let with_call = std::fs::read_to_string(&file).expect("written")
        + "from torch.utils.mobile_optimizer import optimize_for_mobile\noptimized = optimize_for_mobile(m, preserved_methods=[\"features\"])\n";
    let in_file = dir.join("in_file.tsy");
    std::fs::write(&in_file, with_call).expect("temp file");
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("compile")
        .arg(&in_file)
        .args(["--emit", "bytecode"])
        .output()
        .expect("tsc runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("function __torch__.M.features"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_tsc"))
        .arg("compile")
        .arg(&file)
        .args(["--emit", "bytecode", "--preserve-method", "nope"])
        .output()
        .expect("tsc runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no compiled method `nope`"));
}

#[test]
fn hoisting_switch_is_accepted_and_changes_nothing_for_float_models() {
    let source = model("        self.conv = nn.Conv2d(3, 8, 3)", "        return self.conv(x)");
    let plain = final_graph("hoist", &source, &[]);
    let skipped = final_graph("hoist_skip", &source, &["--skip", "hoist-conv-packed-params"]);
    assert_eq!(count(&plain, "prepacked::conv2d_clamp_run"), 1, "{plain}");
    assert_eq!(plain.replace("hoist_skip", "hoist"), skipped.replace("hoist_skip", "hoist"));
}

#[test]
fn identical_constants_are_pooled_at_the_top() {
    let source = model(
        "        self.a = nn.Conv2d(3, 8, 3, padding=1)\n        self.b = nn.Conv2d(8, 8, 3, padding=1)",
        "        y = F.relu(self.a(x))\n        return torch.flatten(self.b(y), 1) + 1",
    );
    let graph = final_graph("pooled", &source, &[]);
    let constants: Vec<&str> = graph
        .lines()
        .filter(|l| l.contains("= prim::Constant"))
        .map(|l| l.split(" = ").nth(1).expect("a node").split(" # ").next().expect("a kind"))
        .collect();
    let unique: std::collections::HashSet<&&str> = constants.iter().filter(|c| !c.contains("Tensor")).collect();
    assert_eq!(unique.len(), constants.iter().filter(|c| !c.contains("Tensor")).count(), "{graph}");
    // Every constant comes before the first operation.
    let body: Vec<&str> = graph.lines().skip_while(|l| !l.contains(" = ")).collect();
    let first_op = body.iter().position(|l| !l.contains("prim::Constant")).expect("an operation");
    assert!(body[first_op..].iter().all(|l| !l.contains("prim::Constant")), "{graph}");
}

/// A traced conv (`aten::_convolution`) becomes `aten::conv2d` for the
/// prepacking passes, and a traced conv–batchnorm pair folds, the conv
/// reading its folded bias (a `Conv2d(bias=False)` traced with a constant
/// `None` bias).
#[test]
fn traced_convolutions_fold_and_prepack() {
    let source = format!(
        "{}example_inputs = (torch.rand(1, 3, 8, 8),)\n",
        model(
            "        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n        self.relu = nn.ReLU()",
            "        return self.relu(self.bn(self.conv(x)))",
        )
        .replace("torch.jit.script(M())", "torch.jit.script(M().eval())")
    );
    let graph = final_graph("traced_conv_bn", &source, &["--trace"]);
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::_convolution") + count(&graph, "aten::batch_norm"), 0, "{graph}");
    assert!(graph.contains("output_min=0., output_max=None"), "relu is the clamp: {graph}");
    // Without folding the batchnorm stays; the conv is still prepacked.
    let graph = final_graph("traced_conv_bn_skip", &source, &["--trace", "--skip", "conv-bn-fusion"]);
    assert_eq!(count(&graph, "aten::batch_norm"), 1, "{graph}");
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    // Without prepacking the traced conv is an aten::conv2d.
    let graph = final_graph("traced_conv_bn_noprepack", &source, &["--trace", "--skip", "prepack"]);
    assert_eq!((count(&graph, "aten::conv2d"), count(&graph, "aten::_convolution")), (1, 0), "{graph}");
}

/// Folding and transposing read a weight that is a view into a larger
/// tensor (an offset into shared storage) at the view's own elements.
#[test]
fn weights_that_are_views_fold_and_transpose() {
    let source = model(
        "        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)\n        bank = torch.rand(2, 8, 3, 3, 3)\n        self.conv.weight = nn.Parameter(bank[1])\n        self.fc = nn.Linear(8, 4)\n        table = torch.rand(3, 4, 8)\n        self.fc.weight = nn.Parameter(table[2])",
        "        y = self.bn(self.conv(x))\n        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))",
    )
    .replace("torch.jit.script(M())", "torch.jit.script(M().eval())");
    let graph = final_graph("view_weights", &source, &[]);
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
    assert_eq!(count(&graph, "aten::batch_norm"), 0, "{graph}");
    assert_eq!(count(&graph, "prepacked::linear_clamp_run"), 1, "{graph}");
}

/// Common subexpressions: an operator of the default overload (`x.dim()`)
/// asked again inside a branch reads the first answer, and a prepacked run
/// reading `x` does not count as writing it (PyTorch's alias analysis).
#[test]
fn a_repeated_rank_check_is_computed_once() {
    let source = model(
        "        self.fc = nn.Linear(4, 4)",
        "        if x.dim() != 2:\n            raise ValueError(f\"expected 2 dims, got {x.dim()}\")\n        return self.fc(x)",
    );
    let graph = final_graph("repeated_dim", &source, &[]);
    assert_eq!(count(&graph, "aten::dim"), 1, "{graph}");
    assert_eq!(count(&graph, "prepacked::linear_clamp_run"), 1, "{graph}");
}

/// A rank check on a convolution's output (`F.dropout2d`'s) folds away:
/// the rank is known, `in` and `not` of constants are constants, and the
/// branch goes.
#[test]
fn a_rank_check_on_a_convolution_folds_away() {
    let source = model(
        "        self.conv = nn.Conv2d(3, 4, 3)\n        self.drop = nn.Dropout2d(0.2)",
        "        return self.drop(self.conv(x))",
    );
    let graph = final_graph("dropout2d_rank", &source, &[]);
    assert_eq!(count(&graph, "aten::__contains__") + count(&graph, "aten::warn"), 0, "{graph}");
    assert_eq!(count(&graph, "aten::feature_dropout"), 0, "{graph}");
    assert_eq!(count(&graph, "prepacked::conv2d_clamp_run"), 1, "{graph}");
}

#[test]
fn a_write_whose_result_is_returned_stays() {
    // `pop` writes a list nothing reads afterwards, but its result is the
    // block's return: clean-up keeps it (it panicked, returning a value it
    // had removed). tests/fixtures/run/list_pop.tsy runs it against PyTorch.
    let source = model("        pass", "        items = [x, x + 1]\n        return items.pop()");
    let graph = final_graph("pop_returned", &source, &[]);
    assert_eq!(count(&graph, "aten::pop"), 1, "{graph}");
}
