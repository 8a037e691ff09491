//! Graphs as TorchScript source, as `scripted.code` prints them:
//!
//! ```text
//! def forward(self,
//!     x: Tensor) -> Tensor:
//!   return torch.relu((self.conv).forward(x, ))
//! ```
//!
//! The rules are PyTorch's, so the text matches `.code` character for
//! character: a temporary is written inline into its single use when reparsing
//! the expression would emit the nodes in the same order (a right-to-left scan
//! of the inputs against a backward scan of the block); constants are always
//! inline; an inline expression that makes its line 40 columns or longer is
//! split into `_N = ...` assignments, together with the inline inputs before
//! it so evaluation order is kept; named values keep their source name,
//! made unique with a counter (`x`, `x0`, `x1`); trailing arguments equal to
//! the schema's default are left out.

use std::collections::{HashMap, HashSet};

use super::graph::{Attr, BlockId, Constant, Graph, NodeId, ValueId};
use super::uses::{User, Uses};
use crate::ops::op;
use crate::types::Type;

/// `def name(...) -> T:` and the body. `method` leaves the first
/// parameter's type out, as PyTorch does for `self`; `defaults` are the
/// parameters' defaults as Python source.
pub fn function(graph: &Graph, name: &str, method: bool, defaults: &[Option<String>]) -> String {
    function_with_constants(graph, name, method, defaults, &mut Vec::new())
}

/// As [`function`]; tensors and objects print as `CONSTANTS.cN`, numbered
/// by their index in `constants` (new ones appended), as `code/` in a
/// `.ptl` refers to the entries of `constants.pkl`.
pub fn function_with_constants(
    graph: &Graph,
    name: &str,
    method: bool,
    defaults: &[Option<String>],
    constants: &mut Vec<Constant>,
) -> String {
    let mut printer = Printer::new(graph);
    printer.function(name, method, defaults);
    let mut out = printer.out;
    // The printer writes each such constant as `CONSTANTS.c?<value id>`.
    for n in graph.walk() {
        let node = graph.node(n);
        if let Attr::Constant(c @ (Constant::Tensor(_) | Constant::TensorList(_) | Constant::Object { .. })) =
            &node.attr
        {
            let marker = format!("CONSTANTS.c?{}", node.outputs[0].0);
            if out.contains(&format!("{marker}?")) {
                let index = constants.iter().position(|k| k == c).unwrap_or_else(|| {
                    constants.push(c.clone());
                    constants.len() - 1
                });
                out = out.replace(&format!("{marker}?"), &format!("CONSTANTS.c{index}"));
            }
        }
    }
    out
}

struct Printer<'g> {
    graph: &'g Graph,
    uses: Uses,
    /// Each node's block and index in it.
    place: Vec<(BlockId, usize)>,
    /// Nodes written into their use instead of assigned.
    inline: HashSet<NodeId>,
    /// Values already given a name by an assignment.
    idents: HashMap<ValueId, String>,
    /// Inline values' expressions.
    exprs: HashMap<ValueId, String>,
    used_names: HashSet<String>,
    next_id: HashMap<String, usize>,
    /// Called functions by qualified name: the name, or the `_N` it was
    /// assigned to when too long to write inline.
    callees: HashMap<String, String>,
    /// Optional/Union values whose assignment carried the annotation.
    annotated: HashSet<ValueId>,
    /// The highest input offset of each user already scanned for splitting.
    split_visited: HashMap<User, isize>,
    level: usize,
    out: String,
}

/// Names that are identifiers but off limits in printed code.
const RESERVED: &[&str] = &[
    "_",
    "as",
    "aten",
    "attribute",
    "CONSTANTS",
    "fork",
    "getattr",
    "inf",
    "nan",
    "infj",
    "nanj",
    "ops",
    "__torch__",
    "and",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "False",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "None",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "True",
    "try",
    "with",
    "while",
    "yield",
    "uninitialized",
    "unchecked_cast",
];

impl<'g> Printer<'g> {
    fn new(graph: &'g Graph) -> Printer<'g> {
        let mut place = vec![(graph.top, 0); graph.nodes.len()];
        for b in graph.live_blocks() {
            for (i, &n) in graph.block(b).nodes.iter().enumerate() {
                place[n.0 as usize] = (b, i);
            }
        }
        Printer {
            graph,
            uses: Uses::of(graph),
            place,
            inline: HashSet::new(),
            idents: HashMap::new(),
            exprs: HashMap::new(),
            used_names: HashSet::new(),
            next_id: HashMap::new(),
            callees: HashMap::new(),
            annotated: HashSet::new(),
            split_visited: HashMap::new(),
            level: 0,
            out: String::new(),
        }
    }

    fn is_constant(&self, n: NodeId) -> bool {
        self.graph.node(n).kind == op::prim::Constant
    }

    // ---- deciding what is inline ----

    fn can_inline(&self, v: ValueId) -> bool {
        let Some(n) = self.graph.defining_node(v) else { return false };
        let node = self.graph.node(n);
        let uses = self.uses.get(v);
        if node.outputs.len() != 1 || uses.len() != 1 || !node.blocks.is_empty() {
            return false;
        }
        let used = uses[0];
        match used.user {
            User::Return(_) => true,
            User::Node(user) => {
                let user = self.graph.node(user);
                self.graph.value(v).name.is_none()
                    && !(user.kind == op::prim::Loop && used.offset >= 2)
                    && node.kind != op::prim::isinstance
            }
        }
    }

    /// The node before `place` in its block, skipping constants; `None` at
    /// the block's start.
    fn previous_non_constant(&self, block: BlockId, mut index: usize) -> Option<NodeId> {
        let nodes = &self.graph.block(block).nodes;
        while index > 0 {
            index -= 1;
            if !self.is_constant(nodes[index]) {
                return Some(nodes[index]);
            }
        }
        None
    }

    fn scan_value(&mut self, point: Option<NodeId>, v: ValueId) -> Option<NodeId> {
        let Some(n) = self.graph.defining_node(v) else { return point };
        if Some(n) == point && self.can_inline(v) {
            let point = self.scan_node(n);
            self.inline.insert(n);
            point
        } else {
            if self.is_constant(n) {
                self.inline.insert(n);
            }
            point
        }
    }

    fn scan_node(&mut self, n: NodeId) -> Option<NodeId> {
        if self.inline.contains(&n) {
            return Some(n);
        }
        let graph = self.graph;
        for &b in &graph.node(n).blocks {
            self.scan_block(b);
        }
        let (block, index) = self.place[n.0 as usize];
        let mut point = self.previous_non_constant(block, index);
        for &input in graph.node(n).inputs.iter().rev() {
            point = self.scan_value(point, input);
        }
        point
    }

    fn scan_block(&mut self, b: BlockId) {
        let graph = self.graph;
        let block = graph.block(b);
        let mut point = self.previous_non_constant(b, block.nodes.len());
        for &v in block.returns.iter().rev() {
            point = self.scan_value(point, v);
        }
        for &n in block.nodes.iter().rev() {
            self.scan_node(n);
        }
    }

    // ---- names ----

    fn gen_name(&mut self, candidate: &str) -> String {
        let mut name = candidate.to_string();
        while self.used_names.contains(&name) || RESERVED.contains(&name.as_str()) {
            let id = self.next_id.entry(name).or_insert(0);
            name = format!("{candidate}{id}");
            *id += 1;
        }
        self.used_names.insert(name.clone());
        name
    }

    fn assign_unique_name(&mut self, v: ValueId) {
        let candidate = match &self.graph.value(v).name {
            Some(name) => valid_identifier(name),
            None => "_".to_string(),
        };
        let name = self.gen_name(&candidate);
        self.idents.insert(v, name);
    }

    fn use_of(&self, v: ValueId) -> String {
        if let Some(name) = self.idents.get(&v) {
            return name.clone();
        }
        self.exprs.get(&v).cloned().unwrap_or_else(|| format!("<undefined {}>", v.0))
    }

    fn list(&self, values: &[ValueId]) -> String {
        values.iter().map(|&v| self.use_of(v)).collect::<Vec<_>>().join(", ")
    }

    // ---- printing ----

    fn indent(&mut self) {
        for _ in 0..self.level {
            self.out.push_str("  ");
        }
    }

    fn line(&mut self, text: &str) {
        self.indent();
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn is_long_line(&self, text: &str) -> bool {
        text.len() + self.level * 2 >= 40
    }

    fn function(&mut self, name: &str, method: bool, defaults: &[Option<String>]) {
        let graph = self.graph;
        let top = graph.block(graph.top);
        let mut header = format!("def {name}(");
        for (i, &p) in top.params.iter().enumerate() {
            let base = graph.value(p).name.clone().unwrap_or_else(|| format!("argument_{i}"));
            let arg = self.gen_name(&base);
            if i == 0 {
                header.push_str(&arg);
                if !method {
                    header.push_str(&format!(": {}", graph.value(p).ty));
                }
            } else {
                header.push_str(&format!(",\n    {arg}: {}", graph.value(p).ty));
            }
            if let Some(Some(default)) = defaults.get(i) {
                header.push('=');
                header.push_str(default);
            }
            self.idents.insert(p, arg);
        }
        let returns = match top.returns.as_slice() {
            [] => Type::None,
            [one] => graph.value(*one).ty.clone(),
            many => Type::Tuple(many.iter().map(|&v| graph.value(v).ty.clone()).collect()),
        };
        header.push_str(&format!(") -> {returns}:\n"));
        self.out.push_str(&header);

        self.scan_block(graph.top);
        self.level += 1;
        // Constants go first, in order of use: inline unless too long.
        // A called function is a constant too (`__torch__.f`), shared by
        // every call of it.
        for c in self.constants_in_use_order() {
            let node = graph.node(c);
            match (node.kind, &node.attr) {
                (op::prim::CallFunction, Attr::Function(name)) => {
                    if self.callees.contains_key(name) {
                        continue;
                    }
                    let text = if self.is_long_line(name) {
                        let short = self.gen_name("_");
                        self.line(&format!("{short} = {name}"));
                        short
                    } else {
                        name.clone()
                    };
                    self.callees.insert(name.clone(), text);
                }
                _ => {
                    let text = rhs_constant(node);
                    if self.is_long_line(&text) {
                        self.output_definition(c, &text);
                    } else {
                        self.exprs.insert(node.outputs[0], text);
                    }
                }
            }
        }
        self.block(graph.top, !top.returns.is_empty());
        if !top.returns.is_empty() {
            let text = format!("return {}", self.list(&top.returns));
            self.line(&text);
        }
        self.level -= 1;
    }

    fn constants_in_use_order(&self) -> Vec<NodeId> {
        fn take(p: &Printer<'_>, v: ValueId, seen: &mut HashSet<NodeId>, out: &mut Vec<NodeId>) {
            if let Some(n) = p.graph.defining_node(v)
                && p.is_constant(n)
                && seen.insert(n)
            {
                out.push(n);
            }
        }
        fn visit(p: &Printer<'_>, b: BlockId, seen: &mut HashSet<NodeId>, out: &mut Vec<NodeId>) {
            let block = p.graph.block(b);
            for &n in &block.nodes {
                if p.graph.node(n).kind == op::prim::CallFunction {
                    out.push(n);
                }
                for &v in &p.graph.node(n).inputs {
                    take(p, v, seen, out);
                }
                for &inner in &p.graph.node(n).blocks {
                    visit(p, inner, seen, out);
                }
            }
            for &v in &block.returns {
                take(p, v, seen, out);
            }
        }
        let mut out = Vec::new();
        visit(self, self.graph.top, &mut HashSet::new(), &mut out);
        out
    }

    fn block(&mut self, b: BlockId, has_other_statements: bool) {
        let graph = self.graph;
        let nodes = &graph.block(b).nodes;
        // Constants print at their uses, so a block of constants is empty.
        if !has_other_statements && nodes.iter().all(|&n| self.is_constant(n)) {
            self.line("pass");
        }
        for &n in nodes {
            self.node(n);
        }
    }

    /// `a, b = x, y`; a single Optional or Union target is annotated the
    /// first time it is assigned, so reparsing gives it the same type.
    fn assignment(&mut self, lhs: &[ValueId], rhs: &[ValueId]) {
        if lhs.is_empty() {
            return;
        }
        let mut text = self.list(lhs);
        if let [v] = lhs {
            let ty = &self.graph.value(*v).ty;
            if matches!(ty, Type::Optional(_) | Type::Union(_))
                && !self.exprs.contains_key(v)
                && self.annotated.insert(*v)
            {
                text.push_str(&format!(" : {ty}"));
            }
        }
        text.push_str(&format!(" = {}", self.list(rhs)));
        self.line(&text);
    }

    fn output_definition(&mut self, n: NodeId, expr: &str) {
        let outputs = &self.graph.node(n).outputs;
        for &v in outputs {
            self.assign_unique_name(v);
        }
        let text = if outputs.is_empty() { expr.to_string() } else { format!("{} = {expr}", self.list(outputs)) };
        self.line(&text);
    }

    fn node(&mut self, n: NodeId) {
        let graph = self.graph;
        let node = graph.node(n);
        match node.kind {
            op::prim::Constant => {}
            op::prim::If => self.print_if(n),
            op::prim::Loop => self.print_loop(n),
            op::prim::TupleUnpack | op::prim::ListUnpack => {
                for &v in &node.outputs {
                    self.assign_unique_name(v);
                }
                let lhs: String = node.outputs.iter().map(|&v| self.use_of(v) + ", ").collect();
                let text = format!("{lhs}= {}", self.use_of(node.inputs[0]));
                self.line(&text);
            }
            op::prim::SetAttr => {
                let Attr::Name(name) = &node.attr else { return };
                let text = format!("{}.{name} = {}", self.use_of(node.inputs[0]), self.use_of(node.inputs[1]));
                self.line(&text);
            }
            _ => {
                let expr = self.rhs(n);
                if !self.inline.contains(&n) {
                    self.output_definition(n, &expr);
                } else {
                    let long = self.is_long_line(&expr);
                    self.exprs.insert(node.outputs[0], expr);
                    if long {
                        self.split_long_inlines(node.outputs[0]);
                    }
                }
            }
        }
    }

    fn print_if(&mut self, n: NodeId) {
        let graph = self.graph;
        let node = graph.node(n);
        for &v in &node.outputs {
            self.assign_unique_name(v);
        }
        let text = format!("if {}:", self.use_of(node.inputs[0]));
        self.line(&text);
        let has_outputs = !node.outputs.is_empty();
        for (i, &b) in node.blocks.iter().enumerate() {
            if i == 1 {
                self.line("else:");
            }
            self.level += 1;
            self.block(b, has_outputs);
            self.assignment(&node.outputs, &graph.block(b).returns);
            self.level -= 1;
        }
    }

    fn print_loop(&mut self, n: NodeId) {
        let graph = self.graph;
        let node = graph.node(n);
        let body = graph.block(node.blocks[0]);
        let (trip, cond) = (node.inputs[0], node.inputs[1]);
        let constant = |v: ValueId| graph.constant_value(v).cloned();
        let always_true = constant(cond) == Some(Constant::Bool(true))
            && body.returns.first().is_some_and(|&r| constant(r) == Some(Constant::Bool(true)));
        let trip_specified = constant(trip) != Some(Constant::Int(i64::MAX))
            || body.params.first().is_some_and(|&p| self.uses.is_used(p));
        let for_loop = always_true && trip_specified;

        for &v in &node.outputs {
            self.assign_unique_name(v);
        }
        for (&param, &output) in body.params[1..].iter().zip(&node.outputs) {
            let name = self.use_of(output);
            self.idents.insert(param, name);
        }
        for (&output, &init) in node.outputs.iter().zip(&node.inputs[2..]) {
            let mut text = self.use_of(output);
            // Optional and Union values are annotated the first time, as
            // in any assignment; others where the type changes.
            let ty = &graph.value(output).ty;
            let annotate = if matches!(ty, Type::Optional(_) | Type::Union(_)) {
                self.annotated.insert(output)
            } else {
                *ty != graph.value(init).ty
            };
            if annotate {
                text.push_str(&format!(": {ty}"));
            }
            text.push_str(&format!(" = {}", self.use_of(init)));
            self.line(&text);
        }
        let counter = body.params[0];
        self.assign_unique_name(counter);
        if for_loop {
            let text = format!("for {} in range({}):", self.use_of(counter), self.use_of(trip));
            self.line(&text);
        } else {
            self.assignment(&[counter], &[cond]);
            let text = format!("while {}:", self.use_of(counter));
            self.line(&text);
        }
        self.level += 1;
        let offset = usize::from(for_loop);
        let carried = &body.params[offset..];
        self.block(node.blocks[0], !carried.is_empty());
        // The carried names were declared (and annotated) before the loop.
        self.annotated.extend(carried.iter().copied());
        self.assignment(carried, &body.returns[offset..]);
        self.level -= 1;
    }

    // ---- splitting long inline expressions ----

    fn split_long_inlines(&mut self, v: ValueId) {
        let Some(&first) = self.uses.get(v).first() else { return };
        let mut to_split = Vec::new();
        self.scan_long_inlines(first.user, first.offset as isize, &mut to_split);
        for &v in to_split.iter().rev() {
            let Some(n) = self.graph.defining_node(v) else { continue };
            let expr = self.use_of(v);
            self.output_definition(n, &expr);
        }
    }

    fn scan_long_inlines(&mut self, user: User, offset: isize, to_split: &mut Vec<ValueId>) {
        let inputs: &[ValueId] = match user {
            User::Node(n) => &self.graph.node(n).inputs,
            User::Return(b) => &self.graph.block(b).returns,
        };
        let previous = self.split_visited.get(&user).copied();
        let low = previous.map_or(0, |p| p + 1);
        let mut i = offset;
        while i >= low {
            let arg = inputs[i as usize];
            if let Some(n) = self.graph.defining_node(arg)
                && !self.is_constant(n)
                && self.inline.contains(&n)
            {
                to_split.push(arg);
            }
            i -= 1;
        }
        self.split_visited.insert(user, offset);
        if previous.is_none()
            && let User::Node(n) = user
            && self.inline.contains(&n)
        {
            let output = self.graph.node(n).outputs[0];
            if let Some(&next) = self.uses.get(output).first() {
                self.scan_long_inlines(next.user, next.offset as isize - 1, to_split);
            }
        }
    }

    // ---- expressions ----

    fn rhs(&self, n: NodeId) -> String {
        let graph = self.graph;
        let node = graph.node(n);
        let args = |from: usize| node.inputs[from..].iter().map(|&v| self.use_of(v) + ", ").collect::<String>();
        let output_ty = || node.outputs.first().map_or(Type::None, |&v| graph.value(v).ty.clone());
        match node.kind {
            op::prim::Constant => rhs_constant(node),
            op::prim::Uninitialized => format!("uninitialized({})", output_ty()),
            op::aten::ScalarImplicit | op::aten::FloatImplicit | op::aten::IntImplicit => {
                format!("annotate({}, {})", output_ty(), self.use_of(node.inputs[0]))
            }
            op::aten::Int => format!("int({})", self.list(&node.inputs)),
            op::aten::Float => format!("float({})", self.list(&node.inputs)),
            op::aten::Bool => format!("bool({})", self.list(&node.inputs)),
            op::aten::str => format!("str({})", self.list(&node.inputs)),
            op::prim::Print => format!("print({})", self.list(&node.inputs)),
            op::aten::sorted => format!("sorted({})", self.list(&node.inputs)),
            op::aten::__getitem__ => {
                let object = self.use_of(node.inputs[0]);
                let object = if is_identifier(&object) { object } else { format!("({object})") };
                format!("{object}[{}]", self.use_of(node.inputs[1]))
            }
            op::prim::TupleConstruct if matches!(output_ty(), crate::types::Type::NamedTuple(_)) => {
                format!("{}({})", output_ty(), self.list(&node.inputs))
            }
            op::prim::TupleConstruct => {
                let end = if node.inputs.len() == 1 { ",)" } else { ")" };
                format!("({}{end}", self.list(&node.inputs))
            }
            op::prim::TupleIndex => format!("({})[{}]", self.use_of(node.inputs[0]), self.use_of(node.inputs[1])),
            op::prim::ListConstruct => {
                let ty = output_ty();
                let items = format!("[{}]", self.list(&node.inputs));
                let inferable = match &ty {
                    Type::List(element) => inferable_from_members(element),
                    _ => true,
                };
                if node.inputs.is_empty() || !inferable { format!("annotate({ty}, {items})") } else { items }
            }
            op::prim::DictConstruct => {
                let ty = output_ty();
                let pairs: Vec<String> = node
                    .inputs
                    .chunks(2)
                    .map(|kv| {
                        format!("{}: {}", self.use_of(kv[0]), kv.get(1).map_or(String::new(), |&v| self.use_of(v)))
                    })
                    .collect();
                let dict = format!("{{{}}}", pairs.join(", "));
                let inferable = match &ty {
                    Type::Dict(k, v) => inferable_from_members(k) && inferable_from_members(v),
                    _ => true,
                };
                if node.inputs.is_empty() || !inferable { format!("annotate({ty}, {dict})") } else { dict }
            }
            op::prim::GetAttr => {
                let Attr::Name(field) = &node.attr else { return String::new() };
                let object = self.use_of(node.inputs[0]);
                if is_identifier(field) {
                    format!("{object}.{field}")
                } else {
                    format!("getattr({object}, \"{field}\")")
                }
            }
            op::prim::CallFunction => {
                let Attr::Function(name) = &node.attr else { return String::new() };
                let callee = self.callees.get(name).unwrap_or(name);
                format!("{callee}({})", args(0))
            }
            op::prim::CallMethod => {
                let Attr::Name(method) = &node.attr else { return String::new() };
                format!("({}).{method}({})", self.use_of(node.inputs[0]), args(1))
            }
            op::prim::unchecked_cast => format!("unchecked_cast({}, {})", output_ty(), self.use_of(node.inputs[0])),
            op::prim::isinstance => match &node.attr {
                Attr::Types(types) if types.len() == 1 => {
                    format!("isinstance({}, {})", self.list(&node.inputs), types[0])
                }
                Attr::Types(types) => format!(
                    "isinstance({}, ({}))",
                    self.list(&node.inputs),
                    types.iter().map(Type::to_string).collect::<Vec<_>>().join(", ")
                ),
                _ => format!("isinstance({})", self.list(&node.inputs)),
            },
            _ => self.operator_call(node),
        }
    }

    /// `torch.add(x, y)` / `ops.prim.max(a, b)`: trailing arguments equal to
    /// their default are left out; keyword-only ones are named.
    fn operator_call(&self, node: &super::graph::Node) -> String {
        let (namespace, name) = (node.kind.namespace(), node.kind.unqualified());
        let callee = if namespace == "aten" { format!("torch.{name}") } else { format!("ops.{namespace}.{name}") };
        let schema = node.schema();
        let necessary = match schema {
            Some(schema) => self.necessary_args(schema, &node.inputs),
            None => node.inputs.len(),
        };
        let mut text = format!("{callee}(");
        for (i, &v) in node.inputs[..necessary].iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            if let Some(arg) = schema.and_then(|s| s.arguments.get(i))
                && arg.kwarg_only
            {
                text.push_str(&arg.name);
                text.push('=');
            }
            text.push_str(&self.use_of(v));
        }
        text.push(')');
        text
    }

    /// How many leading inputs must be printed: trailing inputs that are
    /// constants equal to their argument's default can go.
    fn necessary_args(&self, schema: &crate::ops::Schema, inputs: &[ValueId]) -> usize {
        let mut count = inputs.len().min(schema.arguments.len());
        if inputs.len() > schema.arguments.len() {
            return inputs.len();
        }
        while count > 0 {
            let arg = &schema.arguments[count - 1];
            let Some(default) = &arg.default else { break };
            let Some(value) = self.graph.constant_value(inputs[count - 1]) else { break };
            if !default_matches(default, value) {
                break;
            }
            count -= 1;
        }
        count
    }
}

/// Whether a constant input equals a schema default.
fn default_matches(default: &crate::ops::DefaultValue, value: &Constant) -> bool {
    use crate::ops::DefaultValue as D;
    match (default, value) {
        (D::None, Constant::None) => true,
        (D::Bool(a), Constant::Bool(b)) => a == b,
        (D::Int(a), Constant::Int(b)) => a == b,
        (D::Float(a), Constant::Float(b)) => a == b,
        (D::Float(a), Constant::Int(b)) => *a == *b as f64,
        (D::Str(a), Constant::Str(b)) => a == b,
        _ => false,
    }
}

/// A list or dict element type whose members say what it is; otherwise the
/// literal needs an `annotate(...)` (`List[Optional[Tensor]]`).
fn inferable_from_members(ty: &Type) -> bool {
    !matches!(ty, Type::Optional(_) | Type::Union(_) | Type::Any)
}

/// A constant as Python source: `1`, `2.5`, `3.`, `True`, `"cpu"`, `None`.
fn rhs_constant(node: &super::graph::Node) -> String {
    match &node.attr {
        // Numbered by `function_with_constants`.
        Attr::Constant(Constant::Tensor(_) | Constant::TensorList(_) | Constant::Object { .. }) => {
            format!("CONSTANTS.c?{}?", node.outputs[0].0)
        }
        Attr::Constant(Constant::None) | Attr::None => "None".into(),
        Attr::Constant(Constant::Bool(b)) => if *b { "True" } else { "False" }.into(),
        Attr::Constant(Constant::Str(s)) => quoted(s),
        Attr::Constant(Constant::Device(d)) => format!("torch.device({})", quoted(d)),
        Attr::Constant(c) => super::print::constant(c),
        Attr::Name(name) | Attr::Function(name) => name.clone(),
        Attr::Types(_) => String::new(),
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_identifier(candidate: &str) -> String {
    let mut out = String::new();
    if candidate.is_empty() || candidate.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(candidate.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
    out
}
