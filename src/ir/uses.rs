//! Who reads each value: the one use/def index that passes, the code
//! printer and the bytecode writer share, so that "only read by", "read
//! once" and "read at all" mean the same everywhere (a return counts; a
//! node in a block a rewrite dropped does not).

use super::graph::{BlockId, Graph, NodeId, ValueId};

/// What reads a value: a node, or a block's return list (PyTorch's
/// `prim::Return` node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum User {
    Node(NodeId),
    Return(BlockId),
}

/// One read of a value: by whom, and at which of its inputs or returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Use {
    pub user: User,
    pub offset: usize,
}

/// Every value's uses in the live blocks, in [`Graph::live_blocks`] order
/// (in each block its nodes' inputs, then its returns). A snapshot: a pass
/// that moves reads builds it again before it asks about the moved values.
#[derive(Clone, Debug)]
pub struct Uses {
    by_value: Vec<Vec<Use>>,
}

impl Uses {
    /// One pass over the live blocks.
    pub fn of(graph: &Graph) -> Uses {
        let mut by_value = vec![Vec::new(); graph.values.len()];
        for b in graph.live_blocks() {
            let block = graph.block(b);
            for &n in &block.nodes {
                for (offset, &v) in graph.node(n).inputs.iter().enumerate() {
                    by_value[v.0 as usize].push(Use { user: User::Node(n), offset });
                }
            }
            for (offset, &v) in block.returns.iter().enumerate() {
                by_value[v.0 as usize].push(Use { user: User::Return(b), offset });
            }
        }
        Uses { by_value }
    }

    /// The uses of `v`, which existed when the index was built.
    pub fn get(&self, v: ValueId) -> &[Use] {
        &self.by_value[v.0 as usize]
    }

    pub fn count(&self, v: ValueId) -> usize {
        self.get(v).len()
    }

    pub fn is_used(&self, v: ValueId) -> bool {
        !self.get(v).is_empty()
    }

    /// Whether a block returns `v`.
    pub fn is_returned(&self, v: ValueId) -> bool {
        self.get(v).iter().any(|u| matches!(u.user, User::Return(_)))
    }

    /// The nodes reading `v`, once per input that reads it.
    pub fn readers(&self, v: ValueId) -> impl Iterator<Item = NodeId> + '_ {
        self.get(v).iter().filter_map(|u| match u.user {
            User::Node(n) => Some(n),
            User::Return(_) => None,
        })
    }

    /// The node that is the one use of `v` (read once, and not returned):
    /// what a fusion of `v`'s producer into its reader asks for.
    pub fn only_reader(&self, v: ValueId) -> Option<NodeId> {
        match self.get(v) {
            [Use { user: User::Node(n), .. }] => Some(*n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Attr, Constant};
    use crate::ops::{OpKind, op};
    use crate::types::Type;

    fn op(graph: &mut Graph, block: BlockId, kind: OpKind, inputs: Vec<ValueId>) -> (NodeId, ValueId) {
        let n = graph.append(block, kind, inputs, vec![Type::Tensor], Attr::None, None);
        (n, graph.node(n).outputs[0])
    }

    #[test]
    fn node_inputs_by_position_and_a_value_read_twice_by_one_node() {
        let mut g = Graph::new();
        let x = g.add_input(Type::Tensor, None);
        let top = g.top;
        let (add, sum) = op(&mut g, top, op::aten::add, vec![x, x]);
        let (neg, out) = op(&mut g, top, op::aten::neg, vec![sum]);
        g.block_mut(top).returns = vec![out];
        let uses = Uses::of(&g);
        assert_eq!(uses.get(x), [Use { user: User::Node(add), offset: 0 }, Use { user: User::Node(add), offset: 1 }]);
        assert_eq!(uses.count(x), 2);
        assert_eq!(uses.readers(x).collect::<Vec<_>>(), [add, add]);
        assert_eq!(uses.only_reader(x), None);
        assert_eq!(uses.only_reader(sum), Some(neg));
        assert!(!uses.is_returned(sum));
        assert_eq!(uses.get(out), [Use { user: User::Return(top), offset: 0 }]);
        assert_eq!(uses.only_reader(out), None);
        assert!(uses.is_returned(out));
    }

    #[test]
    fn returns_of_nested_if_and_loop_blocks() {
        let mut g = Graph::new();
        let x = g.add_input(Type::Tensor, None);
        let c = g.add_input(Type::Bool, None);
        let top = g.top;
        let (then, other) = (g.new_block(), g.new_block());
        g.block_mut(then).returns = vec![x];
        let (relu, y) = op(&mut g, other, op::aten::relu, vec![x]);
        g.block_mut(other).returns = vec![y];
        let if_node = g.append(top, op::prim::If, vec![c], vec![Type::Tensor], Attr::None, None);
        g.node_mut(if_node).blocks = vec![then, other];
        let merged = g.node(if_node).outputs[0];
        let trips = g.constant(top, Constant::Int(3), None);
        let body = g.new_block();
        let i = g.new_value(Type::Int, None);
        let carried = g.new_value(Type::Tensor, None);
        g.block_mut(body).params = vec![i, carried];
        let (_, next) = op(&mut g, body, op::aten::neg, vec![carried]);
        g.block_mut(body).returns = vec![c, next];
        let loop_node = g.append(top, op::prim::Loop, vec![trips, c, merged], vec![Type::Tensor], Attr::None, None);
        g.node_mut(loop_node).blocks = vec![body];
        let result = g.node(loop_node).outputs[0];
        g.block_mut(top).returns = vec![result];
        let uses = Uses::of(&g);
        assert_eq!(
            uses.get(x),
            [Use { user: User::Return(then), offset: 0 }, Use { user: User::Node(relu), offset: 0 }]
        );
        assert_eq!(uses.get(y), [Use { user: User::Return(other), offset: 0 }]);
        assert_eq!(uses.only_reader(merged), Some(loop_node));
        assert_eq!(
            uses.get(c),
            [
                Use { user: User::Node(if_node), offset: 0 },
                Use { user: User::Node(loop_node), offset: 1 },
                Use { user: User::Return(body), offset: 0 }
            ]
        );
        assert!(uses.is_returned(next));
        assert!(!uses.is_used(i));
        assert!(uses.is_returned(result));
    }

    #[test]
    fn blocks_of_dropped_nodes_are_not_counted() {
        let mut g = Graph::new();
        let x = g.add_input(Type::Tensor, None);
        let c = g.add_input(Type::Bool, None);
        let top = g.top;
        let (then, other) = (g.new_block(), g.new_block());
        let (_, y) = op(&mut g, then, op::aten::relu, vec![x]);
        g.block_mut(then).returns = vec![y];
        g.block_mut(other).returns = vec![x];
        let if_node = g.append(top, op::prim::If, vec![c], vec![Type::Tensor], Attr::None, None);
        g.node_mut(if_node).blocks = vec![then, other];
        g.block_mut(top).returns = vec![x];
        g.remove_nodes(&[if_node].into());
        let uses = Uses::of(&g);
        assert_eq!(uses.get(x), [Use { user: User::Return(top), offset: 0 }]);
        assert!(!uses.is_used(c));
        assert!(!uses.is_used(y));
    }
}
