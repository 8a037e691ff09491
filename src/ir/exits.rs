//! `break`, `continue` and `return` inside loops, lowered as PyTorch's
//! `exit_transforms.cpp` lowers them, so graphs and `.code` come out as
//! PyTorch prints them.
//!
//! The script compiler emits an exit as a node: `prim::LoopContinuation(cond,
//! carried...)` for `continue` (the loop condition) and `break` (`False`),
//! `prim::ReturnStmt(value)` for a `return` in a function that returns from
//! inside a loop; it emits nothing after an exit in the same block. This pass
//! removes them: a block that may have exited runs the rest of its nodes
//! only if it did not (an If on a "has exited" flag), the values an exit
//! carries leave through If and Loop outputs, and a loop that may be left by
//! a `return` tests the flag in its continue condition. Then consecutive Ifs
//! on the same flag are merged, and a `for` loop whose continue condition is
//! no longer constant becomes a `while` loop with an explicit counter
//! (`canonicalize_modified_loop.cpp`).

use std::collections::HashMap;

use super::graph::{Attr, BlockId, Constant, Graph, NodeId, ValueId};
use super::uses::Uses;
use crate::ops::{OpKind, op};
use crate::types::Type;

/// `continue`/`break`: the next continue condition and the loop-carried values.
pub const LOOP_CONTINUATION: OpKind = op::prim::LoopContinuation;
/// `return value` in a function that returns from inside a loop.
pub const RETURN_STMT: OpKind = op::prim::ReturnStmt;

/// Lowers every exit node of `graph`: loop continuations first, then
/// returns, as PyTorch's `TransformExits` does.
pub fn transform(graph: &mut Graph) {
    Transformer::new(graph, LOOP_CONTINUATION).run();
    Transformer::new(graph, RETURN_STMT).run();
    let top = graph.top;
    inline_consecutive_ifs(graph, top);
}

/// Whether the graph has exit nodes to lower.
pub fn has_exits(graph: &Graph) -> bool {
    graph.walk().into_iter().any(|n| matches!(graph.node(n).kind, LOOP_CONTINUATION | RETURN_STMT))
}

/// Whether control has left the block: statically yes, no, maybe (a flag
/// value decides), or never because it raises.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Will,
    Might,
    Wont,
    Throws,
}

/// The flag that says whether an exit was taken, and the values it carries.
#[derive(Clone)]
struct ExitPair {
    has_exited: ValueId,
    values: Vec<ValueId>,
}

struct Transformer<'g> {
    graph: &'g mut Graph,
    /// The exit node kind this run lowers.
    kind: OpKind,
    true_val: ValueId,
    false_val: ValueId,
    /// The flag of a block that raises (never read).
    throws_val: ValueId,
    /// One `prim::Uninitialized` per type object (a type, and whether it
    /// is the inferred Tensor), at the top of the graph.
    units: Vec<((Type, bool), ValueId)>,
    /// The block the exits being lowered leave to.
    target: Option<BlockId>,
    owners: HashMap<BlockId, NodeId>,
}

impl<'g> Transformer<'g> {
    fn new(graph: &'g mut Graph, kind: OpKind) -> Transformer<'g> {
        let top = graph.top;
        let true_val = constant_at(graph, top, 0, Constant::Bool(true));
        let false_val = constant_at(graph, top, 1, Constant::Bool(false));
        let owners = graph.block_owners();
        let mut t = Transformer {
            graph,
            kind,
            true_val,
            false_val,
            throws_val: true_val,
            units: Vec::new(),
            target: None,
            owners,
        };
        t.throws_val = t.unit((Type::Bool, false));
        t
    }

    fn run(&mut self) {
        let top = self.graph.top;
        self.exits(top);
    }

    fn status(&self, pair: &ExitPair) -> Status {
        match pair.has_exited {
            v if v == self.true_val => Status::Will,
            v if v == self.false_val => Status::Wont,
            v if v == self.throws_val => Status::Throws,
            _ => Status::Might,
        }
    }

    fn wont(&self) -> ExitPair {
        ExitPair { has_exited: self.false_val, values: Vec::new() }
    }

    fn throws(&self) -> ExitPair {
        ExitPair { has_exited: self.throws_val, values: Vec::new() }
    }

    /// The uninitialized value of a type, made once at the top of the graph
    /// (each new one before the others, as PyTorch inserts them).
    fn unit(&mut self, ty: (Type, bool)) -> ValueId {
        if let Some((_, v)) = self.units.iter().find(|(t, _)| *t == ty) {
            return *v;
        }
        let top = self.graph.top;
        let node = self.graph.insert(top, 0, op::prim::Uninitialized, vec![], vec![ty.0.clone()], Attr::None, None);
        let v = self.graph.node(node).outputs[0];
        self.graph.value_mut(v).inferred = ty.1;
        self.units.push((ty, v));
        v
    }

    fn units_like(&mut self, values: &[ValueId]) -> Vec<ValueId> {
        values.iter().map(|&v| self.unit(self.type_of(v))).collect()
    }

    fn ty(&self, v: ValueId) -> Type {
        self.graph.value(v).ty.clone()
    }

    /// A value's type object: its type and whether it is the inferred Tensor.
    fn type_of(&self, v: ValueId) -> (Type, bool) {
        (self.graph.value(v).ty.clone(), self.graph.value(v).inferred)
    }

    /// A new output of `node` with the type object of `like`.
    fn output_like(&mut self, node: NodeId, ty: Type, like: ValueId) -> ValueId {
        let out = self.graph.add_output(node, ty, None);
        self.graph.value_mut(out).inferred = self.graph.value(like).inferred;
        out
    }

    /// An If on `cond` with two empty branches, at `index` of `block`.
    fn new_if(&mut self, block: BlockId, index: usize, cond: ValueId) -> NodeId {
        let node = self.graph.insert(block, index, op::prim::If, vec![cond], vec![], Attr::None, None);
        let (a, b) = (self.graph.new_block(), self.graph.new_block());
        self.graph.node_mut(node).blocks = vec![a, b];
        self.owners.insert(a, node);
        self.owners.insert(b, node);
        node
    }

    /// Appends the branches' values to an If's returns, each pair merged
    /// into a new output.
    fn add_if_outputs(&mut self, node: NodeId, then_values: &[ValueId], else_values: &[ValueId]) {
        let (then_block, else_block) = (self.graph.node(node).blocks[0], self.graph.node(node).blocks[1]);
        for (&t, &e) in then_values.iter().zip(else_values) {
            self.graph.block_mut(then_block).returns.push(t);
            self.graph.block_mut(else_block).returns.push(e);
            let ty = self.ty(t).unify(&self.ty(e));
            self.output_like(node, ty, e);
        }
    }

    fn last_outputs(&self, node: NodeId, count: usize) -> Vec<ValueId> {
        let outputs = &self.graph.node(node).outputs;
        outputs[outputs.len() - count..].to_vec()
    }

    /// Lowers the exits of a block; returns whether (and with what) the
    /// block exits past its end.
    fn exits(&mut self, block: BlockId) -> ExitPair {
        let previous = self.target;
        let owner_kind = self.owners.get(&block).map(|&n| self.graph.node(n).kind);
        match (owner_kind, self.kind) {
            (Some(op::prim::Loop), LOOP_CONTINUATION) | (None, RETURN_STMT) => self.target = Some(block),
            _ => {}
        }
        let mut pair = self.wont();
        let mut i = 0;
        while i < self.graph.block(block).nodes.len() {
            let n = self.graph.block(block).nodes[i];
            let kind = self.graph.node(n).kind;
            match kind {
                op::prim::RaiseException => pair = self.throws(),
                k if k == self.kind => {
                    pair = ExitPair { has_exited: self.true_val, values: self.graph.node(n).inputs.clone() };
                    self.graph.block_mut(block).nodes.remove(i);
                }
                op::prim::If => pair = self.transform_if(n),
                op::prim::Loop => pair = self.transform_loop(n),
                _ => {}
            }
            // Values made at the top of the graph may have moved `n`: the
            // next node is the one after it (or at its place, if it went).
            // Most often it stayed, and a search per node would make a long
            // block (a flat `x + x + … + x`) quadratic.
            let nodes = &self.graph.block(block).nodes;
            i = if nodes.get(i) == Some(&n) {
                i + 1
            } else {
                match nodes.iter().position(|&m| m == n) {
                    Some(at) => at + 1,
                    None => i,
                }
            };
            match self.status(&pair) {
                Status::Will | Status::Throws => {
                    self.delete_after_exit(block, i);
                    break;
                }
                Status::Might => {
                    if i < self.graph.block(block).nodes.len() {
                        pair = self.guard_rest(block, pair, i);
                    }
                    break;
                }
                Status::Wont => {}
            }
        }
        if self.target == Some(block) {
            match self.status(&pair) {
                Status::Might => {
                    let end = self.graph.block(block).nodes.len();
                    let node = self.new_if(block, end, pair.has_exited);
                    let returns = self.graph.block(block).returns.clone();
                    self.add_if_outputs(node, &pair.values, &returns);
                    self.graph.block_mut(block).returns = self.graph.node(node).outputs.clone();
                }
                Status::Will => self.graph.block_mut(block).returns = pair.values.clone(),
                _ => {}
            }
            // An exit reaches its target block only.
            pair = self.wont();
        }
        self.target = previous;
        pair
    }

    /// Drops the nodes from `index` on (never run after an exit); what read
    /// their results reads an uninitialized value.
    fn delete_after_exit(&mut self, block: BlockId, index: usize) {
        let index = index.min(self.graph.block(block).nodes.len());
        let dead = self.graph.block_mut(block).nodes.split_off(index);
        if dead.iter().all(|&n| self.graph.node(n).outputs.is_empty()) {
            return;
        }
        // (Replacing one output's reads leaves the others' as they were.)
        let uses = Uses::of(self.graph);
        for &n in dead.iter().rev() {
            for out in self.graph.node(n).outputs.clone() {
                if uses.is_used(out) {
                    let unit = self.unit(self.type_of(out));
                    self.graph.replace_all_uses(out, unit);
                }
            }
        }
    }

    /// Moves the nodes from `index` on into the false branch of an If on
    /// the exit flag; its true branch exits with the pair's values.
    fn guard_rest(&mut self, block: BlockId, pair: ExitPair, index: usize) -> ExitPair {
        let rest = self.graph.block_mut(block).nodes.split_off(index);
        let node = self.new_if(block, index, pair.has_exited);
        let (exit_block, guard_block) = (self.graph.node(node).blocks[0], self.graph.node(node).blocks[1]);
        self.graph.block_mut(guard_block).nodes = rest;
        let returns = self.graph.block(block).returns.clone();
        let exit_values = self.units_like(&returns);
        for (&r, &u) in returns.iter().zip(&exit_values) {
            self.graph.block_mut(exit_block).returns.push(u);
            self.graph.block_mut(guard_block).returns.push(r);
            let ty = self.ty(r);
            self.output_like(node, ty, r);
        }
        self.graph.block_mut(block).returns = self.graph.node(node).outputs.clone();
        self.graph.append(exit_block, self.kind, pair.values, vec![], Attr::None, None);
        self.transform_if(node)
    }

    fn transform_if(&mut self, node: NodeId) -> ExitPair {
        let (then_block, else_block) = (self.graph.node(node).blocks[0], self.graph.node(node).blocks[1]);
        let mut then_pair = self.exits(then_block);
        let mut else_pair = self.exits(else_block);
        let (then_status, else_status) = (self.status(&then_pair), self.status(&else_pair));
        let status = match (then_status, else_status) {
            (Status::Throws, other) | (other, Status::Throws) => other,
            (Status::Wont, Status::Wont) => Status::Wont,
            (Status::Will, Status::Will) => Status::Will,
            _ => Status::Might,
        };
        match status {
            Status::Throws => return self.throws(),
            Status::Wont => return self.wont(),
            _ => {}
        }
        // The branch that does not exit carries uninitialized values.
        if matches!(then_status, Status::Wont | Status::Throws) {
            then_pair.values = self.units_like(&else_pair.values);
        } else if matches!(else_status, Status::Wont | Status::Throws) {
            else_pair.values = self.units_like(&then_pair.values);
        }
        let has_exited = if status == Status::Will {
            self.true_val
        } else {
            self.add_if_outputs(node, &[then_pair.has_exited], &[else_pair.has_exited]);
            self.last_outputs(node, 1)[0]
        };
        self.add_if_outputs(node, &then_pair.values, &else_pair.values);
        let values = self.last_outputs(node, then_pair.values.len());
        ExitPair { has_exited, values }
    }

    /// A loop whose body may exit past the loop (a `return`): the exit flag
    /// and values become loop-carried, and a taken exit ends the loop.
    fn transform_loop(&mut self, node: NodeId) -> ExitPair {
        let body = self.graph.node(node).blocks[0];
        let pair = self.exits(body);
        if matches!(self.status(&pair), Status::Wont | Status::Throws) {
            return self.wont();
        }
        let end = self.graph.block(body).nodes.len();
        let guard = self.new_if(body, end, pair.has_exited);
        let (stop, go_on) = (self.graph.node(guard).blocks[0], self.graph.node(guard).blocks[1]);
        let next = self.graph.block(body).returns[0];
        self.graph.block_mut(stop).returns.push(self.false_val);
        self.graph.block_mut(go_on).returns.push(next);
        let condition = self.graph.add_output(guard, Type::Bool, None);
        self.graph.block_mut(body).returns[0] = condition;

        // Not exited if the loop never ran.
        self.graph.node_mut(node).inputs.push(self.false_val);
        let param = self.graph.new_value(Type::Bool, None);
        self.graph.block_mut(body).params.push(param);
        self.graph.block_mut(body).returns.push(pair.has_exited);
        let has_exited = self.graph.add_output(node, Type::Bool, None);
        for &v in &pair.values {
            let ty = self.ty(v);
            let unit = self.unit(self.type_of(v));
            self.graph.node_mut(node).inputs.push(unit);
            self.output_like(node, ty.clone(), v);
            let param = self.graph.new_value(ty, None);
            self.graph.value_mut(param).inferred = self.graph.value(v).inferred;
            self.graph.block_mut(body).params.push(param);
            self.graph.block_mut(body).returns.push(v);
        }
        let values = self.last_outputs(node, pair.values.len());
        ExitPair { has_exited, values }
    }
}

fn constant_at(graph: &mut Graph, block: BlockId, index: usize, value: Constant) -> ValueId {
    let ty = value.ty();
    let node = graph.insert(block, index, op::prim::Constant, vec![], vec![ty], Attr::Constant(value), None);
    graph.node(node).outputs[0]
}

/// `if x: ...exit... ` followed by `if <flag of that if>: ...`: when the
/// flag is a different constant in each branch, each branch takes the body
/// of the second If that it selects (PyTorch's `inlineConsecutiveIfs`, so
/// `if c: return a` then `return b` reads `if c: a else: b`).
pub fn inline_consecutive_ifs(graph: &mut Graph, block: BlockId) {
    let mut i = 0;
    while i < graph.block(block).nodes.len() {
        let n = graph.block(block).nodes[i];
        for inner in graph.node(n).blocks.clone() {
            inline_consecutive_ifs(graph, inner);
        }
        if !inline_next_if(graph, block, i) {
            i += 1;
        }
    }
}

fn inline_next_if(graph: &mut Graph, block: BlockId, index: usize) -> bool {
    let nodes = &graph.block(block).nodes;
    let (Some(&first), Some(&second)) = (nodes.get(index), nodes.get(index + 1)) else { return false };
    if graph.node(first).kind != op::prim::If || graph.node(second).kind != op::prim::If {
        return false;
    }
    let cond = graph.node(second).inputs[0];
    if graph.defining_node(cond) != Some(first) {
        return false;
    }
    let Some(offset) = graph.node(first).outputs.iter().position(|&o| o == cond) else { return false };
    let (first_then, first_else) = (graph.node(first).blocks[0], graph.node(first).blocks[1]);
    let flag = |b: BlockId| match graph.constant_value(graph.block(b).returns[offset]) {
        Some(Constant::Bool(v)) => Some(*v),
        _ => None,
    };
    let (Some(then_value), Some(else_value)) = (flag(first_then), flag(first_else)) else { return false };
    if then_value == else_value {
        return false;
    }
    let (second_then, second_else) = (graph.node(second).blocks[0], graph.node(second).blocks[1]);
    for (target, value) in [(first_then, then_value), (first_else, else_value)] {
        let source = if value { second_then } else { second_else };
        // The first If's outputs are, inside its branch, that branch's returns.
        let outputs = graph.node(first).outputs.clone();
        let returns = graph.block(target).returns.clone();
        let mut map: HashMap<ValueId, ValueId> = outputs.into_iter().zip(returns).collect();
        let cloned = clone_nodes(graph, source, target, &mut map);
        graph.block_mut(target).returns.extend(cloned);
    }
    for out in graph.node(second).outputs.clone() {
        let data = graph.value(out).clone();
        let new = graph.add_output(first, data.ty.clone(), None);
        *graph.value_mut(new) = data;
        graph.replace_all_uses(out, new);
    }
    graph.block_mut(block).nodes.remove(index + 1);
    true
}

/// Copies the nodes of `from` to the end of `to` (sub-blocks too), reading
/// `map`ped values where given; returns `from`'s returns, mapped.
fn clone_nodes(graph: &mut Graph, from: BlockId, to: BlockId, map: &mut HashMap<ValueId, ValueId>) -> Vec<ValueId> {
    let get = |map: &HashMap<ValueId, ValueId>, v: ValueId| map.get(&v).copied().unwrap_or(v);
    for n in graph.block(from).nodes.clone() {
        let node = graph.node(n).clone();
        let inputs = node.inputs.iter().map(|&v| get(map, v)).collect();
        let types = node.outputs.iter().map(|&o| graph.value(o).ty.clone()).collect();
        let copy = graph.append(to, node.kind, inputs, types, node.attr.clone(), node.span);
        graph.node_mut(copy).overload = node.overload.clone();
        for (k, &o) in node.outputs.iter().enumerate() {
            let new = graph.node(copy).outputs[k];
            *graph.value_mut(new) = graph.value(o).clone();
            map.insert(o, new);
        }
        let mut blocks = Vec::with_capacity(node.blocks.len());
        for &b in &node.blocks {
            let inner = graph.new_block();
            for p in graph.block(b).params.clone() {
                let data = graph.value(p).clone();
                let new = graph.new_value(data.ty.clone(), None);
                *graph.value_mut(new) = data;
                graph.block_mut(inner).params.push(new);
                map.insert(p, new);
            }
            let returns = clone_nodes(graph, b, inner, map);
            graph.block_mut(inner).returns = returns;
            blocks.push(inner);
        }
        graph.node_mut(copy).blocks = blocks;
    }
    graph.block(from).returns.iter().map(|&v| get(map, v)).collect()
}

/// A `for` loop whose continue condition is not constant (it has a `break`
/// or `continue`) becomes a `while` loop: the trip count moves into a
/// counter the body increments and the condition tests, as PyTorch's
/// `CanonicalizeModifiedLoops` does so that the loop prints as Python.
pub fn canonicalize_modified_loops(graph: &mut Graph, block: BlockId) {
    // Canonicalizing a loop takes the reads of its own trip count only, so
    // the uses found before the first one answer for every loop.
    let uses = Uses::of(graph);
    canonicalize_loops_in(graph, block, &uses);
}

fn canonicalize_loops_in(graph: &mut Graph, block: BlockId, uses: &Uses) {
    for n in graph.block(block).nodes.clone() {
        for inner in graph.node(n).blocks.clone() {
            canonicalize_loops_in(graph, inner, uses);
        }
        if graph.node(n).kind == op::prim::Loop && is_modified_loop(graph, n, uses) {
            canonicalize_loop(graph, block, n);
        }
    }
}

fn is_modified_loop(graph: &Graph, node: NodeId, uses: &Uses) -> bool {
    let loop_node = graph.node(node);
    let body = graph.block(loop_node.blocks[0]);
    let is_true = |v: ValueId| graph.constant_value(v) == Some(&Constant::Bool(true));
    let always_true = is_true(loop_node.inputs[1]) && is_true(body.returns[0]);
    let trip_specified =
        graph.constant_value(loop_node.inputs[0]) != Some(&Constant::Int(i64::MAX)) || uses.is_used(body.params[0]);
    !always_true && trip_specified
}

fn canonicalize_loop(graph: &mut Graph, block: BlockId, node: NodeId) {
    let at = |graph: &Graph| graph.block(block).nodes.iter().position(|&m| m == node).unwrap_or(0);
    let operator = |graph: &mut Graph,
                    block: BlockId,
                    index: usize,
                    kind: OpKind,
                    inputs: Vec<ValueId>,
                    ty: Type,
                    overload: &str| {
        let n = graph.insert(block, index, kind, inputs, vec![ty], Attr::None, None);
        graph.node_mut(n).overload = Some(overload.into());
        graph.node(n).outputs[0]
    };
    let zero = constant_at(graph, block, at(graph), Constant::Int(0));
    let one = constant_at(graph, block, at(graph), Constant::Int(1));
    let trip = graph.node(node).inputs[0];
    let mut condition = operator(graph, block, at(graph), op::aten::gt, vec![trip, zero], Type::Bool, "int");
    let unbounded = constant_at(graph, block, at(graph), Constant::Int(i64::MAX));
    graph.node_mut(node).inputs[0] = unbounded;
    let start = graph.node(node).inputs[1];
    if graph.constant_value(start) != Some(&Constant::Bool(true)) {
        condition = operator(graph, block, at(graph), op::aten::__and__, vec![condition, start], Type::Bool, "bool");
    }
    graph.node_mut(node).inputs[1] = condition;
    graph.add_output(node, Type::Int, None);
    graph.node_mut(node).inputs.push(zero);
    let body = graph.node(node).blocks[0];
    let counter = graph.new_value(Type::Int, None);
    graph.block_mut(body).params.push(counter);
    let old = graph.block(body).params[0];
    graph.value_mut(old).name = None;
    graph.replace_all_uses(old, counter);
    let end = graph.block(body).nodes.len();
    let next = operator(graph, body, end, op::aten::add, vec![counter, one], Type::Int, "int");
    graph.block_mut(body).returns.push(next);
    let end = graph.block(body).nodes.len();
    let below = operator(graph, body, end, op::aten::lt, vec![next, trip], Type::Bool, "int");
    let go_on = graph.block(body).returns[0];
    let end = graph.block(body).nodes.len();
    let condition = operator(graph, body, end, op::aten::__and__, vec![below, go_on], Type::Bool, "bool");
    graph.block_mut(body).returns[0] = condition;
}
