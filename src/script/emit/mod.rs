//! Typing and IR emission for one function, with TorchScript's rules.
//!
//! Expressions evaluate to a [`Sugar`]: an IR value, or something only the
//! compiler knows (a submodule, a method, a `torch` namespace, a builtin).
//! A type error reports a diagnostic and yields a value of type `Any`, which
//! matches everything, so one error does not cascade. A construct this
//! compiler does not handle yet stops it ([`Stop::Unsupported`]): no
//! graph, and no diagnostic either — the code is not known to be wrong.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::annotation;
use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::value::{Descriptor, Function, Instance, Native, Value};
use crate::ir::{Attr, BlockId, Constant, Graph, ValueId};
use crate::ops::matching::{self, Conversion, Plan, Source};
use crate::ops::{DefaultValue, OpKind, registry};
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::*;
use crate::types::Type;

use super::signature::{attribute_type, signature};
use super::{Stop, Unit};
use super::{errors, literal};
use expressions::{binop_name, function_sugar, is_boolean_dispatch};
use statements::returns_somewhere;

// One file per idea; this one holds the emitter's state and scopes.
pub(crate) mod attributes;
mod branches;
mod calls;
mod dicts;
mod exits;
mod expressions;
mod fold;
mod function;
mod isinstance;
mod loops;
mod overloads;
mod refine;
mod statements;
mod subscripts;
mod tensors;

/// What an expression denotes while compiling.
#[derive(Clone)]
enum Sugar {
    Value(ValueId),
    /// A module (`self` or a submodule) and the IR value holding it.
    Module(Rc<Instance>, ValueId),
    /// `self.helper`: a Python method of a module.
    Method(Rc<Instance>, ValueId, Symbol),
    /// `x.add`: a tensor method, resolved against `aten::add`.
    TensorMethod(ValueId, OpKind),
    /// `x.float()` and the other cast methods: `aten::to` with the dtype.
    TensorCast(ValueId, crate::types::ScalarType),
    /// A module of Python names (`torch`, `torch.nn.functional`, `math`).
    Namespace(String),
    /// `torch.relu` and friends: an aten operator.
    Aten(OpKind),
    /// A Python builtin (`len`, `range`, `int`).
    Builtin(String),
    /// A Python function of the model file, compiled alongside.
    Function(Rc<Function>),
    /// A module class (`nn.Linear`): compiled code cannot construct it, but
    /// can call its static methods.
    ModuleClass(Rc<crate::host::value::Class>),
    /// A `NamedTuple` class (`PackedSequence`): calling it builds one.
    NamedTupleClass(Type),
    /// `F.max_pool2d`: PyTorch's `boolean_dispatch` between two functions.
    BooleanDispatch(Rc<Instance>),
    /// Anything else: compiled code cannot use it here.
    Opaque,
}

pub struct Emitter<'u, 'h, 'a> {
    host: &'h mut Host<'a>,
    unit: &'u Unit,
    pub graph: Graph,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the compiler first met a construct it does not handle yet
    /// (the innermost statement being compiled), and how many diagnostics
    /// there were then: those hold (they were found with everything known).
    unsupported: Option<(Span, usize)>,
    /// The innermost statement being compiled.
    current: Span,
    /// List every failing overload of an operator call, not the closest three.
    pub all_overloads: bool,
    /// The annotated type the next expression is compiled for (taken by the
    /// outermost expression only): it types a list literal and `tolist()`,
    /// as in PyTorch.
    type_hint: Option<Type>,
    /// Variables by scope, innermost last; a scope per block.
    scopes: Vec<HashMap<Symbol, ValueId>>,
    block: BlockId,
    /// Parameters that have no annotation (typed `Tensor (inferred)`).
    inferred: Vec<ValueId>,
    return_annotation: Option<Type>,
    /// The functions being compiled for their result types, with the
    /// module they run on, innermost last: calling one of them again on the
    /// same module is recursion (a Sequential inside a Sequential is not).
    pub stack: Vec<(*const FunctionDef, Option<*const Instance>)>,
    /// Indexes of `diagnostics` that are [`Emitter::sure_error`]s.
    sure: Vec<usize>,
    /// Names an `if` defines in one branch only: the `if` and the branch
    /// that lacks them.
    partial: HashMap<Symbol, (Span, &'static str)>,
    /// Names an `if` defines in both branches with types that do not
    /// unify: the error, reported if the name is read after the `if`.
    mismatched: HashMap<Symbol, Diagnostic>,
    /// IR values that hold a module (`self`, `self.conv1`), with the instance.
    modules: HashMap<ValueId, Rc<Instance>>,
    /// Those of them that hold a traced module (`torch.jit.trace(...)`).
    traced: HashSet<ValueId>,
    /// What each `prim::CallMethod`/`prim::CallFunction` calls: the unit
    /// to compile and inline for export.
    pub callees: HashMap<crate::ir::NodeId, Unit>,
    /// Names bound to what is no value (`fn = double`).
    aliases: HashMap<Symbol, Sugar>,
    /// Values an assignment does not name (an unannotated `[]`).
    anonymous: HashSet<ValueId>,
    /// The loops being compiled, innermost last: what `break` and
    /// `continue` leave.
    loops: Vec<exits::LoopContext>,
    /// The function returns from inside a loop: every `return` is an exit
    /// node, lowered with the loops' exits.
    return_exits: bool,
    /// With `return_exits`: the type the returns so far unify to (and
    /// whether it is the inferred Tensor's type object).
    merged_return: Option<(Type, bool)>,
}

/// How a list of statements completes.
enum Completion {
    /// Control reaches the end.
    Falls,
    /// Every path returns; the value to return.
    Returns(ValueId),
    /// Every path raises.
    Raises,
    /// Every path leaves through an exit node (`break`, `continue`, or a
    /// `return` lowered as an exit).
    Exits,
}

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    pub fn new(host: &'h mut Host<'a>, unit: &'u Unit) -> Self {
        let graph = Graph::new();
        let block = graph.top;
        Emitter {
            host,
            unit,
            graph,
            diagnostics: Vec::new(),
            unsupported: None,
            current: unit.def.name.span,
            all_overloads: false,
            type_hint: None,
            scopes: vec![HashMap::new()],
            block,
            inferred: Vec::new(),
            return_annotation: None,
            stack: vec![(Rc::as_ptr(&unit.def), unit.owner.as_ref().map(Rc::as_ptr))],
            sure: Vec::new(),
            partial: HashMap::new(),
            mismatched: HashMap::new(),
            modules: HashMap::new(),
            traced: HashSet::new(),
            callees: HashMap::new(),
            aliases: HashMap::new(),
            anonymous: HashSet::new(),
            loops: Vec::new(),
            return_exits: false,
            merged_return: None,
        }
    }

    fn error(&mut self, d: Diagnostic) -> ValueId {
        self.diagnostics.push(d);
        self.any()
    }

    /// An error that holds whatever types this compiler guessed elsewhere
    /// (a missing module attribute, a module built in `forward`, recursion):
    /// reported even when the function is not compiled in full.
    fn sure_error(&mut self, d: Diagnostic) -> ValueId {
        self.sure.push(self.diagnostics.len());
        self.error(d)
    }

    /// A value of type `Any`: the result of something that failed or that
    /// this compiler does not handle.
    fn any(&mut self) -> ValueId {
        self.graph.new_value(Type::Any, None)
    }

    /// Records where the compiler gave up (for its developers: which
    /// constructs to support next).
    #[track_caller]
    fn unsupported(&mut self) -> ValueId {
        self.give_up();
        self.any()
    }

    /// Marks the function as beyond this compiler, remembering where.
    fn give_up(&mut self) {
        self.give_up_at(self.current);
    }

    fn give_up_at(&mut self, at: Span) {
        let reported = self.diagnostics.len();
        self.unsupported.get_or_insert((at, reported));
    }

    /// Where emission stops on a construct this compiler does not handle:
    /// the innermost statement being compiled.
    fn stop_here(&self) -> Stop {
        Stop::Unsupported(self.current)
    }

    /// Goes on past a stop as past an error: a value of type `Any`, the
    /// stop remembered.
    fn recover(&mut self, stop: Stop) -> ValueId {
        if let Stop::Unsupported(at) = stop {
            self.give_up_at(at);
        }
        self.any()
    }

    /// Why the function has no graph, if it has none: errors reported, or
    /// where the compiler gave up.
    pub fn stop(&self) -> Option<Stop> {
        match self.unsupported {
            Some((at, _)) => Some(Stop::Unsupported(at)),
            None => (!self.diagnostics.is_empty()).then_some(Stop::Reported),
        }
    }

    /// The node that produced a value in the current function, if any.
    fn producer(&self, v: ValueId) -> Option<(OpKind, Vec<ValueId>)> {
        self.graph.definer(v).map(|n| (n.kind, n.inputs.clone()))
    }

    fn ty(&self, v: ValueId) -> Type {
        self.graph.value(v).ty.clone()
    }

    /// A value's type with a named tuple seen as the tuple of its items
    /// (for indexing and unpacking).
    fn tuple_view(&self, v: ValueId) -> Type {
        match self.ty(v) {
            Type::NamedTuple(t) => Type::Tuple(t.types()),
            other => other,
        }
    }

    /// How error messages name a value's type: `Tensor (inferred)` for an
    /// unannotated parameter.
    fn type_text(&self, v: ValueId) -> String {
        if self.inferred.contains(&v) || (self.graph.value(v).inferred && self.ty(v) == Type::Tensor) {
            "Tensor (inferred)".to_string()
        } else {
            self.ty(v).to_string()
        }
    }

    fn constant(&mut self, c: Constant, span: Option<Span>) -> ValueId {
        self.graph.constant(self.block, c, span)
    }

    fn node(&mut self, kind: OpKind, inputs: Vec<ValueId>, outputs: Vec<Type>, attr: Attr, span: Span) -> Vec<ValueId> {
        let n = self.graph.append(self.block, kind, inputs, outputs, attr, Some(span));
        self.graph.node(n).outputs.clone()
    }

    fn lookup(&self, name: Symbol) -> Option<ValueId> {
        self.scopes.iter().rev().find_map(|s| s.get(&name).copied())
    }

    /// Binds a name; inside a nested block, rebinding an outer variable must
    /// keep its type (PyTorch: "Variable ... previously had type ...").
    fn bind(&mut self, name: Symbol, mut value: ValueId, span: Span) {
        let depth = self.scopes.len();
        let outer = self.scopes[..depth - 1].iter().rev().find_map(|s| s.get(&name).copied());
        if let (Some(previous), false) = (outer, self.scopes[depth - 1].contains_key(&name)) {
            let (old, new) = (self.ty(previous), self.ty(value));
            if old != new
                && old != Type::Any
                && new != Type::Any
                && !matching::is_subtype(&new, &old, &mut HashMap::new())
            {
                let text = self.host.name(name).to_string();
                let old_text = self.type_text(previous);
                let mismatch = errors::Mismatch::Rebound { variable: text, previous: old_text, new };
                self.diagnostics.push(errors::type_mismatch(span, mismatch));
                // PyTorch stops here; the merge after the branch has
                // nothing more to say about it.
                value = self.any();
            }
        }
        if self.graph.value(value).name.is_none() && !self.anonymous.contains(&value) {
            self.graph.value_mut(value).name = Some(self.host.name(name).to_string());
        }
        self.scopes[depth - 1].insert(name, value);
    }
}

/// The name of the value a submodule is read into: its attribute name,
/// `_0` for a container's `0` (PyTorch's names may not start with a digit).
pub(super) fn submodule_value_name(attribute: &str) -> String {
    if attribute.starts_with(|c: char| c.is_ascii_digit()) { format!("_{attribute}") } else { attribute.to_string() }
}
