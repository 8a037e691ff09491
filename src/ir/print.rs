//! Graphs as text, in PyTorch's format (`scripted.graph`):
//!
//! ```text
//! graph(%x.1 : Tensor):
//!   %2 : int = prim::Constant[value=1]() # model.tsy:3:15
//!   %3 : Tensor = aten::add(%x.1, %x.1, %2) # model.tsy:3:11
//!   return (%3)
//! ```

use std::collections::HashMap;
use std::fmt::Write;

use super::graph::{Attr, BlockId, Constant, Graph, NodeId, ValueId};
use crate::ops::op;
use crate::source::SourceMap;
use crate::types::Type;

/// Unique printed names, as PyTorch's: `%self` and attribute reads
/// (`%conv1`) by their plain name, variables with a version (`%x.1`),
/// everything else by number (`%7`).
struct Names {
    names: HashMap<ValueId, String>,
    counts: HashMap<String, usize>,
    /// Values printed without a version: `self` and `prim::GetAttr` results.
    plain: std::collections::HashSet<ValueId>,
}

impl Names {
    fn new(graph: &Graph) -> Names {
        let mut plain = std::collections::HashSet::new();
        if let Some(&first) = graph.block(graph.top).params.first()
            && graph.value(first).name.as_deref() == Some("self")
        {
            plain.insert(first);
        }
        for node in &graph.nodes {
            if node.kind == op::prim::GetAttr {
                plain.extend(node.outputs.iter().copied());
            }
        }
        Names { names: HashMap::new(), counts: HashMap::new(), plain }
    }

    fn get(&mut self, graph: &Graph, v: ValueId) -> String {
        if let Some(name) = self.names.get(&v) {
            return name.clone();
        }
        let name = match &graph.value(v).name {
            Some(base) if self.plain.contains(&v) && !self.counts.contains_key(base) => {
                self.counts.insert(base.clone(), 0);
                format!("%{base}")
            }
            Some(base) => {
                let count = self.counts.entry(base.clone()).or_insert(0);
                *count += 1;
                format!("%{base}.{count}")
            }
            None => format!("%{}", v.0),
        };
        self.names.insert(v, name.clone());
        name
    }
}

/// `graph(...)` text; spans print as `# file:line:col` when a map is given.
pub fn graph(graph: &Graph, map: Option<&SourceMap>) -> String {
    let mut names = Names::new(graph);
    let mut out = String::from("graph(");
    let top = graph.block(graph.top);
    for (i, &p) in top.params.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n      ");
        }
        let name = names.get(graph, p);
        let _ = write!(out, "{name} : {}", graph.value(p).ty.ir());
    }
    out.push_str("):\n");
    block_body(graph, graph.top, 1, map, &mut names, &mut out);
    let returns: Vec<String> = top.returns.iter().map(|&v| names.get(graph, v)).collect();
    let _ = writeln!(out, "  return ({})", returns.join(", "));
    out
}

fn block_body(
    graph: &Graph,
    block: BlockId,
    depth: usize,
    map: Option<&SourceMap>,
    names: &mut Names,
    out: &mut String,
) {
    for &node in &graph.block(block).nodes {
        print_node(graph, node, depth, map, names, out);
    }
}

fn print_node(graph: &Graph, id: NodeId, depth: usize, map: Option<&SourceMap>, names: &mut Names, out: &mut String) {
    let node = graph.node(id);
    let indent = "  ".repeat(depth);
    let outputs: Vec<String> =
        node.outputs.iter().map(|&v| format!("{} : {}", names.get(graph, v), graph.value(v).ty.ir())).collect();
    let inputs: Vec<String> = node.inputs.iter().map(|&v| names.get(graph, v)).collect();
    let attr = match &node.attr {
        Attr::None => String::new(),
        Attr::Constant(Constant::None) => String::new(),
        Attr::Constant(c) => format!("[value={}]", constant(c)),
        Attr::Name(name) => format!("[name=\"{name}\"]"),
        Attr::Function(name) => format!("[name=\"{}\"]", name.rsplit('.').next().unwrap_or(name)),
        Attr::Types(types) => format!("[types=[{}]]", types.iter().map(Type::ir).collect::<Vec<_>>().join(", ")),
    };
    let _ = write!(out, "{indent}{} = {}{attr}({})", outputs.join(", "), node.kind, inputs.join(", "));
    if let (Some(span), Some(map)) = (node.span, map) {
        let file = map.get(map.file_of(span.start));
        let (line, col) = file.line_col(span.start);
        let _ = write!(out, " # {}:{line}:{col}", file.name);
    }
    out.push('\n');
    for (i, &block) in node.blocks.iter().enumerate() {
        let params: Vec<String> = graph
            .block(block)
            .params
            .iter()
            .map(|&v| format!("{} : {}", names.get(graph, v), graph.value(v).ty.ir()))
            .collect();
        let _ = writeln!(out, "{indent}  block{i}({}):", params.join(", "));
        block_body(graph, block, depth + 2, map, names, out);
        let returns: Vec<String> = graph.block(block).returns.iter().map(|&v| names.get(graph, v)).collect();
        let _ = writeln!(out, "{indent}    -> ({})", returns.join(", "));
    }
}

/// A 0-dim integer or float tensor already in memory as PyTorch prints it,
/// `{2}` (a traced size's Python operand); others are `<Tensor>`.
fn scalar_tensor(t: &crate::tensor::Tensor) -> Option<String> {
    use crate::types::ScalarType;
    if !t.shape.is_empty() || !t.is_materialized() {
        return None;
    }
    let bytes = t.bytes();
    let value = match t.dtype {
        ScalarType::Int64 => i64::from_le_bytes(bytes.get(..8)?.try_into().ok()?).to_string(),
        ScalarType::Float32 => float(f64::from(f32::from_le_bytes(bytes.get(..4)?.try_into().ok()?))),
        ScalarType::Float64 => float(f64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)),
        _ => return None,
    };
    Some(format!("{{{value}}}"))
}

/// A constant as PyTorch's IR prints it: `1`, `2.5`, `3.`, `"cpu"`.
pub fn constant(c: &Constant) -> String {
    match c {
        Constant::None => "None".into(),
        Constant::Bool(b) => i32::from(*b).to_string(),
        Constant::Int(i) => i.to_string(),
        Constant::Float(f) => float(*f),
        Constant::Str(s) | Constant::Device(s) => format!("\"{s}\""),
        Constant::IntList(items) => format!("[{}]", items.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
        Constant::Tuple(items) => match items.as_slice() {
            [one] => format!("({},)", constant(one)),
            _ => format!("({})", items.iter().map(constant).collect::<Vec<_>>().join(", ")),
        },
        Constant::Tensor(t) => scalar_tensor(&t.0).unwrap_or_else(|| "<Tensor>".into()),
        Constant::TensorList(items) => format!("[{}]", vec!["<Tensor>"; items.len()].join(", ")),
        // The op context's class and clamp bounds: what a reader of
        // `--print-after` wants to see.
        Constant::Object { class, state } => {
            let name = class.rsplit('.').next().unwrap_or(class);
            match state.as_slice() {
                [.., lo, hi] => format!("object({name}, output_min={}, output_max={})", constant(lo), constant(hi)),
                _ => format!("object({name})"),
            }
        }
    }
}

/// A float as PyTorch writes one: whole numbers below 1e10 as `3.`, others
/// with 17 significant digits (C's `%.17g`, so `0.1` is `0.10000000000000001`).
pub fn float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f.fract() == 0.0 && f.abs() < 1e10 {
        let sign = if f.is_sign_negative() { "-" } else { "" };
        return format!("{sign}{}.", f.abs() as i64);
    }
    let scientific = format!("{f:.16e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
    let trim = |s: &str| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if !(-4..17).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    } else {
        trim(&format!("{f:.*}", (16 - exponent) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    #[test]
    fn prints_like_pytorch() {
        let mut g = Graph::new();
        let x = g.add_input(Type::Tensor, Some("x".into()));
        let top = g.top;
        let zero = g.constant(top, Constant::Int(0), None);
        let cond = g.append(top, op::aten::Bool, vec![x], vec![Type::Bool], Attr::None, None);
        let cond = g.node(cond).outputs[0];
        let node = g.append(top, op::prim::If, vec![cond], vec![Type::Tensor], Attr::None, None);
        let (then, other) = (g.new_block(), g.new_block());
        g.node_mut(node).blocks = vec![then, other];
        g.block_mut(then).returns = vec![x];
        let mul = g.append(other, op::aten::mul, vec![x, zero], vec![Type::Tensor], Attr::None, None);
        let product = g.node(mul).outputs[0];
        g.block_mut(other).returns = vec![product];
        let result = g.node(node).outputs[0];
        g.block_mut(top).returns = vec![result];
        let expected = "graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=0]()
  %2 : bool = aten::Bool(%x.1)
  %3 : Tensor = prim::If(%2)
    block0():
      -> (%x.1)
    block1():
      %4 : Tensor = aten::mul(%x.1, %1)
      -> (%4)
  return (%3)
";
        assert_eq!(graph(&g, None), expected);
        assert_eq!(g.node_kinds(), ["aten::Bool", "prim::If", "aten::mul"]);
    }

    #[test]
    fn floats_print_as_cpp_does() {
        assert_eq!(float(3.0), "3.");
        assert_eq!(float(-0.0), "-0.");
        assert_eq!(float(2.5), "2.5");
        assert_eq!(float(0.1), "0.10000000000000001");
        assert_eq!(float(1e-5), "1.0000000000000001e-05");
        assert_eq!(float(1e20), "1e+20");
        assert_eq!(float(0.001), "0.001");
        assert_eq!(float(f64::INFINITY), "inf");
    }
}
