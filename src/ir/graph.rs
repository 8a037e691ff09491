//! The graph data structure. Nodes, values and blocks live in arenas owned
//! by the graph and are referred to by index, so passes rewrite in place
//! without cloning and without reference cycles.

use crate::ops::op;
use crate::source::Span;
use crate::types::Type;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// A constant's value, as `prim::Constant[value=...]` carries it.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Device(String),
    /// A list of ints (a frozen attribute, a prepacked context's stride).
    IntList(Vec<i64>),
    /// A frozen tuple attribute.
    Tuple(Vec<Constant>),
    /// A frozen list of tensors (an RNN's `_flat_weights`).
    TensorList(Vec<TensorConstant>),
    /// A frozen parameter or buffer, or a folded weight.
    Tensor(TensorConstant),
    /// A torchbind object (`__torch__.torch.classes.xnnpack.Conv2dOpContext`)
    /// with the state its `__setstate__` rebuilds it from.
    Object {
        class: String,
        state: Vec<Constant>,
    },
}

/// A tensor held by a constant; equal only to itself.
#[derive(Clone, Debug)]
pub struct TensorConstant(pub std::rc::Rc<crate::tensor::Tensor>);

impl PartialEq for TensorConstant {
    fn eq(&self, other: &TensorConstant) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Constant {
    pub fn ty(&self) -> Type {
        match self {
            Constant::None => Type::None,
            Constant::Bool(_) => Type::Bool,
            Constant::Int(_) => Type::Int,
            Constant::Float(_) => Type::Float,
            Constant::Str(_) => Type::Str,
            Constant::Device(_) => Type::Device,
            Constant::IntList(_) => Type::list(Type::Int),
            Constant::TensorList(_) => Type::list(Type::Tensor),
            Constant::Tuple(items) => Type::Tuple(items.iter().map(Constant::ty).collect()),
            Constant::Tensor(_) => Type::Tensor,
            Constant::Object { class, .. } => Type::Class(class.as_str().into()),
        }
    }
}

/// What a node carries besides its inputs.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    None,
    /// `prim::Constant`.
    Constant(Constant),
    /// `prim::GetAttr`, `prim::SetAttr`, `prim::CallMethod`: the name.
    Name(String),
    /// `prim::CallFunction`'s callee, by qualified name (`__torch__.helper`).
    Function(String),
    /// `prim::isinstance`: the types it tests for.
    Types(Vec<Type>),
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    /// The source name it was bound to (`x` prints as `%x.1`).
    pub name: Option<String>,
    /// Its type is the `Tensor (inferred)` of an unannotated parameter.
    /// PyTorch keeps that a type object of its own, which merges pass on
    /// (a merged value has the false branch's, or the loop body's, type
    /// object) and which lowering the exits keys uninitialized values by.
    pub inferred: bool,
}

#[derive(Clone, Debug)]
pub struct Node {
    /// `aten::add`, `prim::If`, ...
    pub kind: crate::ops::OpKind,
    /// For aten calls: the overload the checker chose (`Tensor`, `Scalar`).
    pub overload: Option<String>,
    pub inputs: Vec<ValueId>,
    pub outputs: Vec<ValueId>,
    pub blocks: Vec<BlockId>,
    pub attr: Attr,
    pub span: Option<Span>,
}

impl Node {
    /// Its operator schema: its overload, the default one when it names
    /// none (`aten::dim`).
    pub fn schema(&self) -> Option<&'static crate::ops::Schema> {
        crate::ops::registry().get(self.kind.as_str(), self.overload.as_deref().unwrap_or(""))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub params: Vec<ValueId>,
    pub nodes: Vec<NodeId>,
    pub returns: Vec<ValueId>,
}

/// One function's graph: its top block's parameters are the function's
/// inputs, its returns the outputs.
#[derive(Clone, Debug)]
pub struct Graph {
    pub values: Vec<ValueData>,
    /// The node defining each value, by value index (`None` for block
    /// parameters), kept by `append` and `add_output`.
    defined_by: Vec<Option<NodeId>>,
    pub nodes: Vec<Node>,
    pub blocks: Vec<Block>,
    pub top: BlockId,
}

impl Default for Graph {
    fn default() -> Graph {
        Graph::new()
    }
}

impl Graph {
    pub fn new() -> Graph {
        Graph {
            values: Vec::new(),
            defined_by: Vec::new(),
            nodes: Vec::new(),
            blocks: vec![Block::default()],
            top: BlockId(0),
        }
    }

    pub fn new_value(&mut self, ty: Type, name: Option<String>) -> ValueId {
        self.values.push(ValueData { ty, name, inferred: false });
        self.defined_by.push(None);
        ValueId(self.values.len() as u32 - 1)
    }

    pub fn new_block(&mut self) -> BlockId {
        self.blocks.push(Block::default());
        BlockId(self.blocks.len() as u32 - 1)
    }

    pub fn value(&self, v: ValueId) -> &ValueData {
        &self.values[v.0 as usize]
    }

    pub fn value_mut(&mut self, v: ValueId) -> &mut ValueData {
        &mut self.values[v.0 as usize]
    }

    pub fn node(&self, n: NodeId) -> &Node {
        &self.nodes[n.0 as usize]
    }

    pub fn node_mut(&mut self, n: NodeId) -> &mut Node {
        &mut self.nodes[n.0 as usize]
    }

    pub fn block(&self, b: BlockId) -> &Block {
        &self.blocks[b.0 as usize]
    }

    pub fn block_mut(&mut self, b: BlockId) -> &mut Block {
        &mut self.blocks[b.0 as usize]
    }

    pub fn add_input(&mut self, ty: Type, name: Option<String>) -> ValueId {
        let v = self.new_value(ty, name);
        let top = self.top;
        self.block_mut(top).params.push(v);
        v
    }

    /// Appends a node to `block` with outputs of the given types.
    pub fn append(
        &mut self,
        block: BlockId,
        kind: crate::ops::OpKind,
        inputs: Vec<ValueId>,
        output_types: Vec<Type>,
        attr: Attr,
        span: Option<Span>,
    ) -> NodeId {
        let id = self.create(kind, inputs, output_types, attr, span);
        self.block_mut(block).nodes.push(id);
        id
    }

    /// A node in no block yet, for a rewrite that places it itself.
    pub fn create(
        &mut self,
        kind: crate::ops::OpKind,
        inputs: Vec<ValueId>,
        output_types: Vec<Type>,
        attr: Attr,
        span: Option<Span>,
    ) -> NodeId {
        let outputs = output_types.into_iter().map(|ty| self.new_value(ty, None)).collect();
        self.nodes.push(Node { kind, overload: None, inputs, outputs, blocks: Vec::new(), attr, span });
        let id = NodeId(self.nodes.len() as u32 - 1);
        for &v in &self.nodes[id.0 as usize].outputs {
            self.defined_by[v.0 as usize] = Some(id);
        }
        id
    }

    /// Inserts a node at `index` of `block`'s nodes (PyTorch's insertion
    /// points: before a given node).
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        block: BlockId,
        index: usize,
        kind: crate::ops::OpKind,
        inputs: Vec<ValueId>,
        output_types: Vec<Type>,
        attr: Attr,
        span: Option<Span>,
    ) -> NodeId {
        let id = self.create(kind, inputs, output_types, attr, span);
        self.block_mut(block).nodes.insert(index, id);
        id
    }

    /// Every read of `old` (node inputs, block returns) reads `new` instead.
    pub fn replace_all_uses(&mut self, old: ValueId, new: ValueId) {
        for node in &mut self.nodes {
            for v in node.inputs.iter_mut().filter(|v| **v == old) {
                *v = new;
            }
        }
        for block in &mut self.blocks {
            for v in block.returns.iter_mut().filter(|v| **v == old) {
                *v = new;
            }
        }
    }

    /// The node each live block belongs to (the top block has none).
    pub fn block_owners(&self) -> std::collections::HashMap<BlockId, NodeId> {
        let mut owners = std::collections::HashMap::new();
        for n in self.walk() {
            for &b in &self.node(n).blocks {
                owners.insert(b, n);
            }
        }
        owners
    }

    /// Gives `node` one more output (an If's or Loop's merged variable).
    pub fn add_output(&mut self, node: NodeId, ty: Type, name: Option<String>) -> ValueId {
        let v = self.new_value(ty, name);
        self.defined_by[v.0 as usize] = Some(node);
        self.node_mut(node).outputs.push(v);
        v
    }

    /// Records that `node` now defines `v` (a rewrite moved the output).
    pub fn set_definer(&mut self, v: ValueId, node: NodeId) {
        self.defined_by[v.0 as usize] = Some(node);
    }

    /// The node that defines `v`; `None` for a block parameter. Constant time.
    pub fn defining_node(&self, v: ValueId) -> Option<NodeId> {
        self.defined_by[v.0 as usize]
    }

    /// The node that defines `v`; `None` for a block parameter.
    pub fn definer(&self, v: ValueId) -> Option<&Node> {
        self.defining_node(v).map(|n| self.node(n))
    }

    /// The constant `v` holds, if a `prim::Constant` defines it.
    pub fn constant_value(&self, v: ValueId) -> Option<&Constant> {
        match &self.definer(v)?.attr {
            Attr::Constant(c) => Some(c),
            _ => None,
        }
    }

    /// A constant in `block`; returns its value.
    pub fn constant(&mut self, block: BlockId, value: Constant, span: Option<Span>) -> ValueId {
        let ty = value.ty();
        let node = self.append(block, op::prim::Constant, Vec::new(), vec![ty], Attr::Constant(value), span);
        self.node(node).outputs[0]
    }

    /// Makes every reader of a key of `map` (node inputs, block returns) read
    /// its value instead, following chains (`a -> b -> c` reads `c`).
    pub fn substitute(&mut self, map: &std::collections::HashMap<ValueId, ValueId>) {
        if map.is_empty() {
            return;
        }
        let resolve = |mut v: ValueId| {
            while let Some(&next) = map.get(&v) {
                v = next;
            }
            v
        };
        for node in &mut self.nodes {
            for v in &mut node.inputs {
                *v = resolve(*v);
            }
        }
        for block in &mut self.blocks {
            for v in &mut block.returns {
                *v = resolve(*v);
            }
        }
    }

    /// Takes `removed` out of the blocks that hold them.
    pub fn remove_nodes(&mut self, removed: &std::collections::HashSet<NodeId>) {
        if removed.is_empty() {
            return;
        }
        for b in self.live_blocks() {
            self.block_mut(b).nodes.retain(|n| !removed.contains(n));
        }
    }

    /// The blocks reachable from the top one, outer before inner: a block
    /// of a node that a rewrite dropped is not among them.
    pub fn live_blocks(&self) -> Vec<BlockId> {
        let mut out = vec![self.top];
        let mut next = 0;
        while next < out.len() {
            let b = out[next];
            next += 1;
            for &n in &self.block(b).nodes {
                out.extend(self.node(n).blocks.iter().copied());
            }
        }
        out
    }

    /// Every node of the graph in print order (blocks depth first).
    pub fn walk(&self) -> Vec<NodeId> {
        fn visit(g: &Graph, b: BlockId, out: &mut Vec<NodeId>) {
            for &n in &g.block(b).nodes {
                out.push(n);
                for &inner in &g.node(n).blocks {
                    visit(g, inner, out);
                }
            }
        }
        let mut out = Vec::new();
        visit(self, self.top, &mut out);
        out
    }

    /// The kinds of the non-constant nodes in print order: what the corpus
    /// test compares with PyTorch's graph.
    pub fn node_kinds(&self) -> Vec<String> {
        self.walk()
            .into_iter()
            .map(|n| self.node(n).kind)
            .filter(|&k| k != op::prim::Constant)
            .map(|k| k.to_string())
            .collect()
    }
}
