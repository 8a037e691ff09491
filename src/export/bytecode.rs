//! The bytecode emitter: an inlined graph to the lite interpreter's
//! instructions, operator table, constants, types and register count
//! (docs/ptl-format.md §6–§8), following PyTorch's `MobileCodeImpl` so the same
//! graph gives the same code.
//!
//! First the graph is prepared as PyTorch prepares it: `prim::Drop` nodes
//! release values nothing reads and values whose last use sits in a nested
//! block; then nodes whose one output feeds the next use in order are
//! marked to be emitted in place (no register: `a*x + b` works off the
//! stack). Emission walks the blocks: each value gets a register when it is
//! produced, a use is `LOAD`, the last one `MOVE`, a constant `LOADC`.

use std::collections::{HashMap, HashSet};

use crate::ir::{Attr, BlockId, Constant, Graph, NodeId, User, Uses, ValueId};
use crate::ops::op;
use crate::ops::{DefaultValue, Schema, registry};
use crate::source::Span;
use crate::types::Type;

/// The bytecode versions this emitter writes (§3.2).
pub const VERSIONS: std::ops::RangeInclusive<u32> = 5..=8;

#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    pub op: &'static str,
    pub x: i64,
    pub n: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    pub name: String,
    pub overload: String,
    /// How many arguments the bytecode pushes (`None`: a version-5 entry,
    /// which pushes all; `-1` for vararg operators).
    pub num_args: Option<i64>,
}

/// One function's code table.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeTable {
    pub instructions: Vec<Instruction>,
    pub operators: Vec<Operator>,
    pub constants: Vec<Constant>,
    /// Annotation-syntax type strings (`List[int]`).
    pub types: Vec<String>,
    pub register_size: i64,
}

/// A node the lite interpreter cannot run.
#[derive(Clone, Debug)]
pub struct Unsupported {
    pub what: String,
    pub span: Option<Span>,
}

/// Emits the code of an inlined graph. `slots` gives the attribute slot of
/// each `prim::GetAttr`/`prim::SetAttr` node.
pub fn emit(graph: &Graph, slots: &HashMap<NodeId, usize>, version: u32) -> Result<CodeTable, Unsupported> {
    let mut graph = graph.clone();
    drop_unused(&mut graph);
    insert_last_uses(&mut graph);
    let places = Places::of(&graph);
    let uses = Uses::of(&graph);
    let inline = CanEmitInline::of(&graph, &places, &uses);
    let mut writer = FunctionWriter {
        graph: &graph,
        slots,
        version,
        uses,
        inline,
        registers: HashMap::new(),
        use_count: HashMap::new(),
        code: CodeTable {
            instructions: Vec::new(),
            operators: Vec::new(),
            constants: Vec::new(),
            types: Vec::new(),
            register_size: 0,
        },
        operator_index: HashMap::new(),
        specified: HashMap::new(),
        error: None,
    };
    writer.count_specified_arguments();
    writer.block(graph.top);
    writer.insert("RET", 0, 0);
    if let Some(error) = writer.error {
        return Err(error);
    }
    Ok(writer.code)
}

/// Where each node sits: its block and position, and each block's owner.
struct Places {
    node: HashMap<NodeId, (BlockId, usize)>,
    owner: HashMap<BlockId, NodeId>,
}

impl Places {
    fn of(graph: &Graph) -> Places {
        let mut places = Places { node: HashMap::new(), owner: HashMap::new() };
        for b in graph.live_blocks() {
            for (i, &n) in graph.block(b).nodes.iter().enumerate() {
                places.node.insert(n, (b, i));
                for &inner in &graph.node(n).blocks {
                    places.owner.insert(inner, n);
                }
            }
        }
        places
    }

    /// The block a value is defined in.
    fn block_of(&self, graph: &Graph, v: ValueId, params: &HashMap<ValueId, BlockId>) -> BlockId {
        match graph.defining_node(v) {
            Some(n) => self.node[&n].0,
            None => params[&v],
        }
    }
}

fn is_constant(graph: &Graph, v: ValueId) -> bool {
    graph.definer(v).is_some_and(|n| n.kind == op::prim::Constant)
}

/// A `prim::Drop` node of `values`, not yet in any block.
fn drop_node(graph: &mut Graph, values: Vec<ValueId>) -> NodeId {
    graph.create(op::prim::Drop, values, Vec::new(), Attr::None, None)
}

/// Drops what nothing reads: unused block parameters at the block's start,
/// unused outputs right after their node.
fn drop_unused(graph: &mut Graph) {
    // (Built once: a drop reads only values already found unread.)
    let uses = Uses::of(graph);
    for b in graph.live_blocks() {
        let unused = |graph: &Graph, values: &[ValueId]| -> Vec<ValueId> {
            values.iter().copied().filter(|&v| !uses.is_used(v) && !is_constant(graph, v)).collect()
        };
        let mut nodes = Vec::new();
        let params = unused(graph, &graph.block(b).params);
        if !params.is_empty() {
            nodes.push(drop_node(graph, params));
        }
        for n in graph.block(b).nodes.clone() {
            nodes.push(n);
            let outputs = unused(graph, &graph.node(n).outputs);
            if !outputs.is_empty() {
                nodes.push(drop_node(graph, outputs));
            }
        }
        graph.block_mut(b).nodes = nodes;
    }
}

/// A value whose last use is nested in an If or Loop is dropped right
/// after that If or Loop, in the value's own block: every value then dies
/// in the block that defines it.
fn insert_last_uses(graph: &mut Graph) {
    let places = Places::of(graph);
    let mut params = HashMap::new();
    for b in graph.live_blocks() {
        for &p in &graph.block(b).params {
            params.insert(p, b);
        }
    }
    let mut seen = HashSet::new();
    // The If/Loop a drop follows -> the values it drops, in the order found.
    let mut drops: HashMap<NodeId, Vec<ValueId>> = HashMap::new();
    scan_block(graph, graph.top, &places, &params, &mut seen, &mut drops);
    if drops.is_empty() {
        return;
    }
    for b in graph.live_blocks() {
        if !graph.block(b).nodes.iter().any(|n| drops.contains_key(n)) {
            continue;
        }
        let mut nodes = Vec::new();
        for n in graph.block(b).nodes.clone() {
            nodes.push(n);
            if let Some(values) = drops.remove(&n) {
                nodes.push(drop_node(graph, values));
            }
        }
        graph.block_mut(b).nodes = nodes;
    }
}

fn scan_block(
    graph: &Graph,
    b: BlockId,
    places: &Places,
    params: &HashMap<ValueId, BlockId>,
    seen: &mut HashSet<ValueId>,
    drops: &mut HashMap<NodeId, Vec<ValueId>>,
) {
    let returns = graph.block(b).returns.clone();
    for &v in returns.iter().rev() {
        scan_use(graph, User::Return(b), v, places, params, seen, drops);
    }
    for &n in graph.block(b).nodes.iter().rev() {
        for &inner in &graph.node(n).blocks {
            scan_block(graph, inner, places, params, seen, drops);
        }
        for &v in graph.node(n).inputs.iter().rev() {
            scan_use(graph, User::Node(n), v, places, params, seen, drops);
        }
    }
}

fn scan_use(
    graph: &Graph,
    site: User,
    v: ValueId,
    places: &Places,
    params: &HashMap<ValueId, BlockId>,
    seen: &mut HashSet<ValueId>,
    drops: &mut HashMap<NodeId, Vec<ValueId>>,
) {
    if !seen.insert(v) {
        return;
    }
    let home = places.block_of(graph, v, params);
    // The node of `home` that contains the use.
    let mut block = match site {
        User::Node(n) => places.node[&n].0,
        User::Return(b) => b,
    };
    let mut at = site;
    while block != home {
        let owner = places.owner[&block];
        at = User::Node(owner);
        block = places.node[&owner].0;
    }
    let User::Node(same_depth) = at else { return };
    if at == site || is_constant(graph, v) {
        return;
    }
    let values = drops.entry(same_depth).or_default();
    if !values.contains(&v) {
        values.push(v);
    }
}

/// Nodes emitted where their single use is, off the stack (PyTorch's
/// `CanEmitInline`): found by walking each block backwards and matching
/// each node's inputs, last first, against the nodes just before it.
struct CanEmitInline<'g> {
    graph: &'g Graph,
    places: &'g Places,
    uses: &'g Uses,
    inline: HashSet<NodeId>,
}

/// A point in a block's node list while scanning backwards.
#[derive(Clone, Copy, PartialEq)]
enum Point {
    Node(NodeId),
    /// Before the first node: the block's parameters.
    Params,
    /// The scan of an input ran into an already inlined node.
    Nothing,
}

impl<'g> CanEmitInline<'g> {
    fn of(graph: &'g Graph, places: &'g Places, uses: &'g Uses) -> HashSet<NodeId> {
        let mut scan = CanEmitInline { graph, places, uses, inline: HashSet::new() };
        scan.block(graph.top);
        scan.inline
    }

    fn block(&mut self, b: BlockId) {
        let nodes = &self.graph.block(b).nodes;
        let last = self.previous_non_constant(b, nodes.len());
        let returns = self.graph.block(b).returns.clone();
        self.inputs(last, &returns);
        for &n in nodes.iter().rev() {
            self.node(n);
        }
    }

    fn node(&mut self, n: NodeId) -> Point {
        if self.inline.contains(&n) {
            return Point::Nothing;
        }
        for &b in &self.graph.node(n).blocks {
            self.block(b);
        }
        let (block, index) = self.places.node[&n];
        let point = self.previous_non_constant(block, index);
        let inputs = self.graph.node(n).inputs.clone();
        self.inputs(point, &inputs)
    }

    fn inputs(&mut self, mut point: Point, inputs: &[ValueId]) -> Point {
        for &v in inputs.iter().rev() {
            if let Some(producer) = self.graph.defining_node(v)
                && point == Point::Node(producer)
                && self.uses.count(v) == 1
                && self.graph.node(producer).outputs.len() == 1
            {
                point = self.node(producer);
                self.inline.insert(producer);
            }
        }
        point
    }

    /// The last non-constant node before position `index` of `block`.
    fn previous_non_constant(&self, block: BlockId, index: usize) -> Point {
        let nodes = &self.graph.block(block).nodes;
        nodes[..index]
            .iter()
            .rev()
            .find(|&&n| self.graph.node(n).kind != op::prim::Constant)
            .map_or(Point::Params, |&n| Point::Node(n))
    }
}

/// Writes one function's code table.
struct FunctionWriter<'g> {
    graph: &'g Graph,
    slots: &'g HashMap<NodeId, usize>,
    version: u32,
    uses: Uses,
    inline: HashSet<NodeId>,
    /// Registers of values (for constants: their constant-table index).
    registers: HashMap<ValueId, i64>,
    use_count: HashMap<ValueId, usize>,
    code: CodeTable,
    /// (operator, number of inputs) -> operator-table index.
    operator_index: HashMap<(String, usize), usize>,
    /// Per operator: (arguments to push, of which trailing out arguments).
    specified: HashMap<String, (usize, usize)>,
    error: Option<Unsupported>,
}

/// `aten::add.Tensor`, or `aten::neg` for the default overload.
fn unique_name(schema: &Schema) -> String {
    if schema.overload.is_empty() { schema.name.clone() } else { format!("{}.{}", schema.name, schema.overload) }
}

impl FunctionWriter<'_> {
    fn insert(&mut self, op: &'static str, x: i64, n: i64) {
        self.code.instructions.push(Instruction { op, x, n });
    }

    fn unsupported(&mut self, node: NodeId, what: String) {
        self.error.get_or_insert(Unsupported { what, span: self.graph.node(node).span });
    }

    /// The node's operator schema: the overload the compiler chose, or for
    /// nodes built without one (`aten::Bool` of a condition), the first
    /// overload the input types fit.
    fn schema(&self, node: NodeId) -> Option<&'static Schema> {
        let node = self.graph.node(node);
        if let Some(overload) = &node.overload {
            return registry().get(node.kind.as_str(), overload);
        }
        let types: Vec<Type> = node.inputs.iter().map(|&v| self.graph.value(v).ty.clone()).collect();
        let overloads = registry().overloads(node.kind.as_str());
        overloads
            .iter()
            .find(|s| crate::ops::matching::match_schema(s, &types, &[]).is_ok_and(|p| !p.converts()))
            .or_else(|| overloads.iter().find(|s| crate::ops::matching::match_schema(s, &types, &[]).is_ok()))
    }

    /// `num_specified_args` per operator, the most any call site needs
    /// (PyTorch's `CalculateNecessaryArgs`): trailing arguments equal to
    /// their schema default are left to the runtime (from version 6), out
    /// arguments always pushed (trimming before them from version 7).
    fn count_specified_arguments(&mut self) {
        for n in self.graph.walk() {
            let Some(schema) = self.schema(n) else { continue };
            if schema.is_vararg {
                continue;
            }
            let inputs = &self.graph.node(n).inputs;
            let outs_trailing = self.version >= 7;
            let mut index = schema.arguments.len();
            if outs_trailing {
                while index > 0 && is_out(&schema.arguments[index - 1]) {
                    index -= 1;
                }
            }
            let num_out = schema.arguments.len() - index;
            let necessary = if schema.arguments.len() < inputs.len() {
                inputs.len()
            } else {
                let mut i = if outs_trailing { index } else { schema.arguments.len() };
                while i > 0 {
                    let argument = &schema.arguments[i - 1];
                    let default_kept = match (&argument.default, self.graph.constant_value(inputs[i - 1])) {
                        (Some(default), Some(actual)) => equals_default(actual, default),
                        _ => false,
                    };
                    if !default_kept {
                        break;
                    }
                    i -= 1;
                }
                i
            };
            let include = if self.version >= 7 { necessary + num_out } else { necessary };
            let entry = self.specified.entry(unique_name(schema)).or_insert((0, num_out));
            entry.0 = entry.0.max(include);
        }
    }

    fn block(&mut self, b: BlockId) {
        let graph = self.graph;
        self.store(&graph.block(b).params);
        for &n in &graph.block(b).nodes {
            let node = graph.node(n);
            if node.kind == op::prim::Constant {
                self.constant(n);
            } else if !self.inline.contains(&n) {
                self.node(n);
                self.store(&node.outputs);
            }
        }
        self.load_all(&graph.block(b).returns);
    }

    /// Gives `values` registers and stores them from the stack.
    fn store(&mut self, values: &[ValueId]) {
        if values.is_empty() {
            return;
        }
        let first = self.code.register_size + 1;
        for &v in values {
            self.code.register_size += 1;
            self.registers.insert(v, self.code.register_size);
        }
        if values.len() == 1 {
            self.insert("STORE", first, 0);
        } else {
            self.insert("STOREN", first, values.len() as i64);
        }
    }

    fn constant(&mut self, n: NodeId) {
        let node = self.graph.node(n);
        if let Attr::Constant(c) = &node.attr {
            self.registers.insert(node.outputs[0], self.code.constants.len() as i64);
            self.code.constants.push(c.clone());
        }
    }

    fn use_value(&mut self, v: ValueId, drop: bool) {
        if let Some(producer) = self.graph.defining_node(v)
            && self.inline.contains(&producer)
        {
            self.node(producer);
            if drop {
                self.insert("DROP", 0, 0);
            }
            return;
        }
        let Some(&register) = self.registers.get(&v) else {
            self.error.get_or_insert(Unsupported { what: "a value used before it is defined".into(), span: None });
            return;
        };
        let count = self.use_count.entry(v).or_insert(0);
        *count += 1;
        let moved = self.uses.count(v) == *count;
        let op = if drop {
            "DROPR"
        } else if is_constant(self.graph, v) {
            "LOADC"
        } else if moved {
            "MOVE"
        } else {
            "LOAD"
        };
        self.insert(op, register, 0);
    }

    fn load_all(&mut self, values: &[ValueId]) {
        for &v in values {
            self.use_value(v, false);
        }
    }

    fn node(&mut self, n: NodeId) {
        let graph = self.graph;
        let node = graph.node(n);
        let inputs = &node.inputs;
        match node.kind {
            op::prim::Drop => {
                for &v in inputs {
                    self.use_value(v, true);
                }
            }
            op::prim::Constant => self.constant(n),
            op::prim::If => {
                self.load_all(inputs);
                let jf = self.code.instructions.len();
                self.insert("JF", 0, 0);
                self.block(node.blocks[0]);
                self.insert("JMP", 0, 0);
                let start_else = self.code.instructions.len();
                self.code.instructions[jf].x = (start_else - jf) as i64;
                self.block(node.blocks[1]);
                self.code.instructions[start_else - 1].x = (self.code.instructions.len() - (start_else - 1)) as i64;
            }
            op::prim::Loop => {
                let zero = self.code.constants.len() as i64;
                self.code.constants.push(Constant::Int(0));
                self.insert("LOADC", zero, 0);
                self.load_all(inputs);
                let start = self.code.instructions.len();
                self.insert("LOOP", 0, inputs.len() as i64);
                self.block(node.blocks[0]);
                let back = start as i64 - self.code.instructions.len() as i64;
                self.insert("JMP", back, 0);
                self.code.instructions[start].x = (self.code.instructions.len() - start) as i64;
            }
            op::prim::GetAttr | op::prim::SetAttr => {
                self.load_all(inputs);
                let op = if node.kind == op::prim::GetAttr { "GET_ATTR" } else { "SET_ATTR" };
                match self.slots.get(&n) {
                    Some(&slot) => self.insert(op, slot as i64, 0),
                    None => self.unsupported(n, format!("`{}` of an attribute with no slot", node.kind)),
                }
            }
            op::prim::ListUnpack => {
                self.load_all(inputs);
                self.insert("LIST_UNPACK", node.outputs.len() as i64, 0);
            }
            // A named tuple of PyTorch's own library (`__torch__.torch.nn.
            // utils.rnn.PackedSequence`) is built as a plain tuple: the 2.5.1
            // lite interpreter's type parser takes every `__torch__.torch.`
            // name for a torchbind class and cannot load the file (PyTorch's
            // own export of a packed sequence fails so). Reading items by
            // index or unpacking does not tell them apart.
            op::prim::TupleConstruct
                if matches!(&self.graph.value(node.outputs[0]).ty,
                    Type::NamedTuple(t) if !t.name.starts_with("__torch__.torch.")) =>
            {
                self.load_all(inputs);
                let ty = self.graph.value(node.outputs[0]).ty.clone();
                let index = self.code.types.len() as i64;
                self.code.types.push(type_table_entry(&ty));
                self.insert("NAMED_TUPLE_CONSTRUCT", index, inputs.len() as i64);
            }
            op::prim::TupleConstruct => {
                self.load_all(inputs);
                self.insert("TUPLE_CONSTRUCT", inputs.len() as i64, 0);
            }
            // `isinstance(x, T)` of a Union: the types it tests, in the table.
            op::prim::isinstance => {
                let crate::ir::Attr::Types(types) = &node.attr else {
                    self.unsupported(n, "`prim::isinstance` without types".into());
                    return;
                };
                let types = types.clone();
                self.load_all(inputs);
                let index = self.code.types.len() as i64;
                self.code.types.extend(types.iter().map(type_table_entry));
                self.insert("ISINSTANCE", index, types.len() as i64);
            }
            op::prim::ListConstruct | op::prim::DictConstruct => {
                self.load_all(inputs);
                let op = if node.kind == op::prim::ListConstruct { "LIST_CONSTRUCT" } else { "DICT_CONSTRUCT" };
                let ty = self.graph.value(node.outputs[0]).ty.clone();
                let index = self.code.types.len() as i64;
                self.code.types.push(type_table_entry(&ty));
                self.insert(op, index, inputs.len() as i64);
            }
            op::prim::CallMethod | op::prim::CallFunction => {
                self.unsupported(n, format!("a `{}` that was not inlined", node.kind));
            }
            // The message and stack level, then `WARN` (its warn id unused
            // by the lite interpreter).
            op::aten::warn => {
                self.load_all(inputs);
                self.insert("WARN", 0, 0);
            }
            _ => match self.promoted(n) {
                Some((op, x)) => {
                    if node.kind != op::prim::Uninitialized {
                        self.load_all(inputs);
                    }
                    self.insert(op, x, 0);
                }
                None => self.operator(n),
            },
        }
    }

    /// The dedicated instruction a version-8 file uses for this node.
    fn promoted(&self, n: NodeId) -> Option<(&'static str, i64)> {
        if self.version < 8 {
            return None;
        }
        let node = self.graph.node(n);
        let op = match node.kind {
            op::prim::Uninitialized => "UN_INITIALIZED",
            op::aten::__is__ => "__IS__",
            op::aten::__isnot__ => "__ISNOT__",
            op::aten::__not__ => "__NOT__",
            op::aten::dim => "DIM",
            op::prim::dtype => "DTYPE",
            op::prim::device => "DEVICE",
            op::prim::is_cuda => "IS_CUDA",
            op::aten::format => return Some(("FORMAT", node.inputs.len() as i64)),
            op::prim::NumToTensor => "NUM_TO_TENSOR",
            op::prim::tolist => "TO_LIST",
            op::prim::RaiseException => "RAISE_EXCEPTION",
            op::prim::TupleIndex => "TUPLE_INDEX",
            op::aten::__getitem__ if matches!(self.graph.value(node.inputs[0]).ty, Type::Dict(..)) => "DICT_INDEX",
            _ => return None,
        };
        Some((op, 0))
    }

    fn operator(&mut self, n: NodeId) {
        let Some(schema) = self.schema(n) else {
            let node = self.graph.node(n);
            let name = match node.overload.as_deref() {
                Some(o) if !o.is_empty() => format!("{}.{o}", node.kind),
                _ => node.kind.to_string(),
            };
            self.unsupported(n, format!("`{name}`, which has no operator schema"));
            return;
        };
        let inputs = self.graph.node(n).inputs.clone();
        let name = unique_name(schema);
        if schema.is_vararg {
            self.load_all(&inputs);
            let index = self.operator_entry(schema, &name, inputs.len(), Some(-1), true);
            self.insert("OPN", index, inputs.len() as i64);
            return;
        }
        let num_args = if self.version >= 6 {
            let (include, num_out) = self.specified.get(&name).copied().unwrap_or((inputs.len(), 0));
            if self.version >= 7 {
                let before_out = include - num_out;
                self.load_all(&inputs[..before_out]);
                self.load_all(&inputs[inputs.len() - num_out..]);
            } else {
                self.load_all(&inputs[..include]);
            }
            Some(include as i64)
        } else {
            self.load_all(&inputs);
            None
        };
        let index = self.operator_entry(schema, &name, inputs.len(), num_args, false);
        self.insert("OP", index, 0);
    }

    /// The operator-table index, adding the entry on first use.
    fn operator_entry(
        &mut self,
        schema: &Schema,
        name: &str,
        inputs: usize,
        num_args: Option<i64>,
        vararg: bool,
    ) -> i64 {
        let key = (name.to_string(), inputs);
        if !vararg && let Some(&index) = self.operator_index.get(&key) {
            return index as i64;
        }
        let index = self.code.operators.len();
        if !vararg {
            self.operator_index.insert(key, index);
        }
        self.code.operators.push(Operator { name: schema.name.clone(), overload: schema.overload.clone(), num_args });
        index as i64
    }
}

/// `Tensor(a!) out` after `*`: an out argument.
fn is_out(argument: &crate::ops::Argument) -> bool {
    argument.kwarg_only && argument.alias.as_ref().is_some_and(|a| a.is_write)
}

/// Whether an argument's constant equals the schema default (as IValues
/// compare: an int never equals a float).
fn equals_default(actual: &Constant, default: &DefaultValue) -> bool {
    match (actual, default) {
        (Constant::None, DefaultValue::None) => true,
        (Constant::Bool(a), DefaultValue::Bool(b)) => a == b,
        (Constant::Int(a), DefaultValue::Int(b)) => a == b,
        (Constant::Float(a), DefaultValue::Float(b)) => a == b,
        (Constant::Str(a), DefaultValue::Str(b)) => a == b,
        _ => false,
    }
}

/// A type as the types table spells it: annotation syntax, dicts without
/// the space after the comma (as PyTorch re-renders them).
fn type_table_entry(ty: &Type) -> String {
    match ty {
        Type::Dict(k, v) => format!("Dict[{},{}]", type_table_entry(k), type_table_entry(v)),
        Type::List(inner) => format!("List[{}]", type_table_entry(inner)),
        Type::Optional(inner) => format!("Optional[{}]", type_table_entry(inner)),
        Type::Tuple(items) => {
            format!("Tuple[{}]", items.iter().map(type_table_entry).collect::<Vec<_>>().join(", "))
        }
        // `__torch__.M.P[NamedTuple, [[data, Tensor],[batch_sizes, Tensor]]]`.
        Type::NamedTuple(t) => format!(
            "{}[NamedTuple, [{}]]",
            t.name,
            t.fields
                .iter()
                .map(|(name, ty)| format!("[{name}, {}]", type_table_entry(ty)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}
