//! Typing and IR emission for one function, with TorchScript's rules.
//!
//! Expressions evaluate to a [`Sugar`]: an IR value, or something only the
//! compiler knows (a submodule, a method, a `torch` namespace, a builtin).
//! A type error reports a diagnostic and yields a value of type `Any`, which
//! matches everything, so one error does not cascade. A construct this
//! compiler does not handle yet marks the function incomplete: no graph,
//! and no diagnostic either — the code is not known to be wrong.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::annotation;
use super::matching::{self, Conversion, Plan, Source};
use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::value::{Descriptor, Function, Instance, Value};
use crate::ir::{Attr, BlockId, Constant as IrConstant, Graph, ValueId};
use crate::ops::{Default, registry};
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::*;
use crate::types::Type;

use super::Unit;

// One file per idea; this one holds the emitter, statements, control flow
// and expressions.
pub(crate) mod attributes;
mod calls;
mod dicts;
mod exits;
mod fold;
mod isinstance;
mod loops;
mod refine;
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
    TensorMethod(ValueId, String),
    /// A module of Python names (`torch`, `torch.nn.functional`, `math`).
    Namespace(String),
    /// `torch.relu` and friends: an aten operator.
    Aten(String),
    /// A Python builtin (`len`, `range`, `int`).
    Builtin(String),
    /// A Python function of the model file, compiled alongside.
    Function(Rc<Function>),
    /// A module class (`nn.Linear`): compiled code cannot construct it, but
    /// can call its static methods.
    ModuleClass(Rc<crate::host::value::Class>),
    /// A `NamedTuple` class (`PackedSequence`): calling it builds one.
    NamedTupleClass(Type),
    /// Anything else: compiled code cannot use it here.
    Opaque,
}

/// Why emission of a function stopped early.
pub struct Incomplete;

pub struct Emitter<'u, 'h, 'a> {
    host: &'h mut Host<'a>,
    unit: &'u Unit,
    pub graph: Graph,
    pub diagnostics: Vec<Diagnostic>,
    /// A construct this compiler does not handle yet was met.
    pub incomplete: bool,
    /// The innermost statement being compiled when it first gave up.
    pub gave_up: Option<Span>,
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
    /// How many diagnostics there were when the compiler first gave up:
    /// those hold (they were found with everything known).
    reported_before_giving_up: Option<usize>,
    /// Names an `if` defines in one branch only: the `if` and the branch
    /// that lacks them.
    partial: HashMap<Symbol, (Span, &'static str)>,
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

/// The result of emitting a list of statements.
enum Flow {
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
            incomplete: false,
            gave_up: None,
            current: unit.def.name.span,
            all_overloads: false,
            type_hint: None,
            scopes: vec![HashMap::new()],
            block,
            inferred: Vec::new(),
            return_annotation: None,
            stack: vec![(Rc::as_ptr(&unit.def), unit.owner.as_ref().map(Rc::as_ptr))],
            sure: Vec::new(),
            reported_before_giving_up: None,
            partial: HashMap::new(),
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
        self.incomplete = true;
        self.reported_before_giving_up.get_or_insert(self.diagnostics.len());
        self.gave_up.get_or_insert(self.current);
    }

    /// The node that produced a value in the current function, if any.
    fn producer(&self, v: ValueId) -> Option<(String, Vec<ValueId>)> {
        self.graph.definer(v).map(|n| (n.kind.to_string(), n.inputs.clone()))
    }

    /// Removes tuple and list constructions and unpackings whose results
    /// nothing uses (left over where a tuple was unpacked at once).
    fn remove_dead_packing(&mut self) {
        loop {
            let mut used = std::collections::HashSet::new();
            for n in self.graph.walk() {
                used.extend(self.graph.node(n).inputs.iter().copied());
            }
            for b in &self.graph.blocks {
                used.extend(b.returns.iter().copied());
            }
            let dead = |g: &Graph, n: crate::ir::NodeId| {
                let node = g.node(n);
                matches!(
                    node.kind.as_str(),
                    "prim::TupleConstruct" | "prim::ListConstruct" | "prim::TupleUnpack" | "prim::Constant"
                ) && node.outputs.iter().all(|o| !used.contains(o))
            };
            let mut removed = false;
            for b in 0..self.graph.blocks.len() {
                let nodes = std::mem::take(&mut self.graph.blocks[b].nodes);
                let before = nodes.len();
                let kept: Vec<_> = nodes.into_iter().filter(|n| !dead(&self.graph, *n)).collect();
                removed |= kept.len() != before;
                self.graph.blocks[b].nodes = kept;
            }
            if !removed {
                break;
            }
        }
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

    fn constant(&mut self, c: IrConstant, span: Option<Span>) -> ValueId {
        self.graph.constant(self.block, c, span)
    }

    fn node(&mut self, kind: &str, inputs: Vec<ValueId>, outputs: Vec<Type>, attr: Attr, span: Span) -> Vec<ValueId> {
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
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E2006,
                        span,
                        format!("Variable '{text}' previously had type {old_text} but is now being assigned to a value of type {new}"),
                    )
                    .label(format!("assigned a `{new}` here"))
                    .note("a variable keeps its type across branches and loop iterations")
                    .help(format!("use another name for the `{new}` value")),
                );
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

    // ------------------------------------------------------------ function

    /// A `# type: (int, Tensor) -> Tensor` comment between the header and
    /// the body: the parameter types (without `self`) and the return type.
    fn type_comment(&self, def: &FunctionDef) -> Option<(Vec<Type>, Type)> {
        if let Some(types) = super::overload_types(self.unit) {
            return Some(types);
        }
        let file = self.host.map.get(self.unit.file);
        let end = def.body.first().map_or(def.name.span.end, |s| s.span.start);
        let header = file.slice(Span::new(def.name.span.end, end));
        let comment = header.split("# type:").nth(1)?.lines().next()?.trim();
        let (params, result) = comment.split_once("->")?;
        let params = params.trim().strip_prefix('(')?.strip_suffix(')')?;
        let types: Option<Vec<Type>> = if params.trim().is_empty() {
            Some(Vec::new())
        } else {
            split_top(params).iter().map(|t| annotation::parse_str(t)).collect()
        };
        Some((types?, annotation::parse_str(result.trim())?))
    }

    /// Emits the whole function: parameters, body, return.
    pub fn function(&mut self) {
        let def = self.unit.def.clone();
        let commented = self.type_comment(&def);
        let offset = usize::from(self.unit.owner.is_some());
        for (i, param) in def.params.iter().enumerate() {
            let name = self.host.name(param.name.name).to_string();
            let owner = self.unit.owner.as_ref().filter(|_| i == 0);
            let from_comment =
                commented.as_ref().and_then(|(types, _)| i.checked_sub(offset).and_then(|k| types.get(k)).cloned());
            let (ty, inferred) = if let Some(owner) = owner {
                (Type::Class(owner.class.qualified_name().into()), false)
            } else if let Some(t) = from_comment {
                (t, false)
            } else {
                match &param.annotation {
                    None => (Type::Tensor, true),
                    Some(a) => match annotation::parse(self.host, a) {
                        Some(t) => (t, false),
                        None => {
                            self.give_up();
                            (Type::Any, false)
                        }
                    },
                }
            };
            // `BroadcastingList2[int] = 0`: a scalar default fills the list.
            let broadcasting = param.annotation.as_ref().is_some_and(|a| annotation::list_size(self.host, a).is_some());
            if !broadcasting {
                self.check_default(param, &ty, inferred);
            }
            let v = self.graph.add_input(ty, Some(name));
            if inferred {
                self.inferred.push(v);
                self.graph.value_mut(v).inferred = true;
            }
            if let Some(owner) = owner {
                self.modules.insert(v, owner.clone());
            }
            self.scopes[0].insert(param.name.name, v);
        }
        self.return_annotation = def.returns.as_ref().and_then(|r| annotation::parse(self.host, r));
        if let Some((_, result)) = &commented {
            self.return_annotation = Some(result.clone());
        }
        if def.returns.is_some() && self.return_annotation.is_none() {
            self.give_up();
        }
        self.return_exits = exits::returns_in_loop(&def.body);
        let flow = self.statements(&def.body);
        let result = match flow {
            Ok(Flow::Returns(v)) => v,
            Ok(Flow::Raises) if !self.return_exits => {
                self.give_up();
                self.any()
            }
            Ok(Flow::Falls) => {
                self.check_falls_off(&def);
                let none = self.constant(IrConstant::None, None);
                if self.return_exits {
                    let none = self.check_return(none, def.name.span);
                    self.return_exit(none, def.name.span);
                }
                none
            }
            Ok(Flow::Raises | Flow::Exits) => self.any(),
            Err(Incomplete) => {
                self.give_up();
                self.any()
            }
        };
        let result = if self.return_exits {
            // A placeholder of the result type; lowering the returns
            // replaces it.
            let (ty, inferred) = self
                .merged_return
                .clone()
                .unwrap_or_else(|| (self.return_annotation.clone().unwrap_or(Type::None), false));
            let placeholder = self.node("prim::Uninitialized", vec![], vec![ty], Attr::None, def.name.span)[0];
            self.graph.value_mut(placeholder).inferred = inferred;
            placeholder
        } else {
            result
        };
        let top = self.graph.top;
        self.graph.block_mut(top).returns = vec![result];
        self.remove_dead_packing();
        if !self.incomplete && self.diagnostics.is_empty() {
            crate::ir::exits::transform(&mut self.graph);
            crate::ir::exits::canonicalize_modified_loops(&mut self.graph, top);
        }
        if cfg!(debug_assertions)
            && !self.incomplete
            && self.diagnostics.is_empty()
            && let Err(problem) = crate::ir::verify::verify(&self.graph)
        {
            panic!("the script compiler built an invalid graph for `{}`: {problem}", self.host.name(def.name.name));
        }
        if self.incomplete {
            // Types after a construct this compiler skipped are guesses:
            // report what was found before it, and what holds regardless.
            let sure = std::mem::take(&mut self.sure);
            let before = self.reported_before_giving_up.unwrap_or(0);
            let all = std::mem::take(&mut self.diagnostics);
            self.diagnostics =
                all.into_iter().enumerate().filter(|(i, _)| *i < before || sure.contains(i)).map(|(_, d)| d).collect();
        }
    }

    /// A function annotated to return a value may not fall off its end.
    fn check_falls_off(&mut self, def: &FunctionDef) {
        if let Some(annotated) = &self.return_annotation
            && *annotated != Type::None
            && *annotated != Type::Any
            && !self.incomplete
        {
            let span = def.name.span;
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E2007,
                    span,
                    "Function was not annotated as having type None, but does not return along all paths",
                )
                .label(format!("`{}` is annotated to return `{annotated}`", self.host.name(def.name.name)))
                .help("add a `return` at the end of every path"),
            );
        }
    }

    /// A default must have the parameter's type (an unannotated parameter
    /// is a Tensor, so `times=2` is an error).
    fn check_default(&mut self, param: &Param, ty: &Type, inferred: bool) {
        let Some(default) = &param.default else { return };
        let default_type = match &default.kind {
            ExprKind::Constant(Constant::Int(_)) => Type::Int,
            ExprKind::Constant(Constant::Float(_)) => Type::Float,
            ExprKind::Constant(Constant::Bool(_)) => Type::Bool,
            ExprKind::Constant(Constant::Str(_)) => Type::Str,
            ExprKind::Constant(Constant::None) => return,
            _ => return,
        };
        if matching::is_subtype(&default_type, ty, &mut HashMap::new())
            || (default_type == Type::Int && *ty == Type::Float)
        {
            return;
        }
        let name = self.host.name(param.name.name).to_string();
        let shown = if inferred { "Tensor (inferred)".to_string() } else { ty.to_string() };
        let mut message = format!("Expected a default value of type {shown} on parameter \"{name}\".");
        if inferred {
            message.push_str(&format!(
                "Because \"{name}\" was not annotated with an explicit type it is assumed to be type 'Tensor'."
            ));
        }
        let mut d =
            Diagnostic::new(Code::E2008, param.span, message).label(format!("the default is a `{default_type}`"));
        if inferred {
            d = d.suggest(
                format!("annotate `{name}`"),
                Span::point(param.name.span.end),
                format!(": {default_type}"),
                crate::diag::Applicability::MachineApplicable,
            );
        }
        self.diagnostics.push(d);
    }

    // ------------------------------------------------------------ statements

    /// Emits statements in the current block. An `if` whose branches return
    /// takes the rest of the statements into its other branch, so every
    /// return becomes an output of the `prim::If` that contains it.
    fn statements(&mut self, body: &[Stmt]) -> Result<Flow, Incomplete> {
        for (i, stmt) in body.iter().enumerate() {
            self.current = stmt.span;
            match &stmt.kind {
                StmtKind::Return(value) => {
                    let v = match value {
                        Some(e) => {
                            // A return annotation types what is returned, as
                            // an annotated assignment does (one this compiler
                            // cannot read still counts as a hint).
                            self.type_hint = match &self.return_annotation {
                                Some(t) => Some(t.clone()),
                                None => self.unit.def.returns.as_ref().map(|_| Type::Any),
                            };
                            self.value(e)
                        }
                        None => self.constant(IrConstant::None, None),
                    };
                    let v = self.check_return(v, stmt.span);
                    if self.return_exits {
                        return Ok(self.return_exit(v, stmt.span));
                    }
                    return Ok(Flow::Returns(v));
                }
                StmtKind::Break => return self.loop_exit(true, stmt.span),
                StmtKind::Continue => return self.loop_exit(false, stmt.span),
                StmtKind::Raise { exc, cause: None } => {
                    self.raise(exc.as_ref(), stmt.span)?;
                    return Ok(Flow::Raises);
                }
                StmtKind::If { test, body: then, orelse } => {
                    let known =
                        super::static_condition(self.host, self.unit, test).or_else(|| self.static_none_test(test));
                    // A condition that folds to a constant (`self.padding_mode != "zeros"`
                    // on a constant attribute) is decided too, as PyTorch's
                    // constant propagation decides it.
                    let cond = match known {
                        Some(_) => None,
                        None => Some(self.condition(test)),
                    };
                    let known = known.or_else(|| cond.and_then(|c| self.constant_bool(c)));
                    if let Some(known) = known {
                        let taken: Vec<Stmt> = if known { then.clone() } else { orelse.clone() };
                        let mut rest = taken;
                        rest.extend_from_slice(&body[i + 1..]);
                        return self.statements(&rest);
                    }
                    if !self.return_exits && (returns_somewhere(then) || returns_somewhere(orelse)) {
                        let mut other_then = then.clone();
                        let mut other_else = orelse.clone();
                        if !always_returns(then) {
                            other_then.extend_from_slice(&body[i + 1..]);
                        }
                        if !always_returns(orelse) {
                            other_else.extend_from_slice(&body[i + 1..]);
                        }
                        let cond = cond.expect("computed when not static");
                        let refinements = self.refinements(test);
                        return self.returning_if(cond, &refinements, &other_then, &other_else, stmt.span);
                    }
                    let cond = cond.expect("computed when not static");
                    if self.if_statement(test, cond, then, orelse, stmt.span)? {
                        // Both branches leave the block.
                        return Ok(Flow::Exits);
                    }
                }
                _ => self.statement(stmt)?,
            }
        }
        Ok(Flow::Falls)
    }

    /// `x is None` / `x is not None` where `x` is a local that cannot be
    /// None (a Tensor parameter with a None default): decided statically.
    fn static_none_test(&self, test: &Expr) -> Option<bool> {
        let ExprKind::Compare { left, comparisons } = &test.kind else { return None };
        let [(op, right)] = comparisons.as_slice() else { return None };
        if !matches!(right.kind, ExprKind::Constant(Constant::None)) {
            return None;
        }
        let ExprKind::Name(name) = left.kind else { return None };
        let ty = self.ty(self.lookup(name)?);
        if matches!(ty, Type::Optional(_) | Type::None | Type::Any) {
            return None;
        }
        match op {
            CmpOp::Is => Some(false),
            CmpOp::IsNot => Some(true),
            _ => None,
        }
    }

    fn check_return(&mut self, v: ValueId, span: Span) -> ValueId {
        let Some(annotated) = self.return_annotation.clone() else { return v };
        let actual = self.ty(v);
        match matching::convert(&actual, &annotated, None, &mut HashMap::new()) {
            Some(Conversion::None) => v,
            Some(Conversion::TensorTo(t)) => {
                let kind = if t == Type::Int { "aten::IntImplicit" } else { "aten::FloatImplicit" };
                self.node(kind, vec![v], vec![t], Attr::None, span)[0]
            }
            _ => {
                let actual = self.type_text(v);
                self.error(
                    Diagnostic::new(
                        Code::E2009,
                        span,
                        format!(
                            "Return value was annotated as having type {annotated} but is actually of type {actual}"
                        ),
                    )
                    .label(format!("this returns a `{actual}`")),
                )
            }
        }
    }

    fn statement(&mut self, stmt: &Stmt) -> Result<(), Incomplete> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                if !matches!(e.kind, ExprKind::Constant(Constant::Str(_))) {
                    self.expr(e);
                }
            }
            StmtKind::Pass => {}
            StmtKind::Assign { targets, value } => {
                let sugar = self.expr(value);
                // `fn = double`: a name for something that is no value (a
                // function, an operator, a module of names).
                if let [Expr { kind: ExprKind::Name(name), .. }] = targets.as_slice()
                    && matches!(
                        sugar,
                        Sugar::Function(_)
                            | Sugar::Aten(_)
                            | Sugar::Builtin(_)
                            | Sugar::Namespace(_)
                            | Sugar::ModuleClass(_)
                    )
                {
                    self.aliases.insert(*name, sugar);
                    return Ok(());
                }
                let v = self.materialize(sugar, value.span);
                let unnamed = self.graph.value(v).name.is_none();
                for target in targets {
                    self.assign(target, v, stmt.span);
                }
                // `a = b = x * 2`: PyTorch names neither (its `.code` writes `_0`).
                if targets.len() > 1 && unnamed {
                    self.graph.value_mut(v).name = None;
                }
            }
            StmtKind::AnnAssign { target, annotation, value } => {
                let Some(value) = value else { return Ok(()) };
                let declared = annotation::parse(self.host, annotation);
                // `xs: List[int] = []`: the annotation types the empty literal.
                let v = match (&value.kind, &declared) {
                    (ExprKind::List(items), Some(t @ Type::List(_))) if items.is_empty() => {
                        self.node("prim::ListConstruct", vec![], vec![t.clone()], Attr::None, value.span)[0]
                    }
                    _ => {
                        self.type_hint = Some(declared.clone().unwrap_or(Type::Any));
                        self.value(value)
                    }
                };
                match declared {
                    Some(declared) => {
                        let actual = self.ty(v);
                        if actual != declared && matching::is_subtype(&actual, &declared, &mut HashMap::new()) {
                            // The variable has the declared type from here on.
                            self.graph.value_mut(v).ty = declared.clone();
                        }
                        if !matching::is_subtype(&actual, &declared, &mut HashMap::new()) && actual != Type::Any {
                            let name = match &target.kind {
                                ExprKind::Name(n) => self.host.name(*n).to_string(),
                                _ => "value".to_string(),
                            };
                            self.error(
                                Diagnostic::new(
                                    Code::E2006,
                                    stmt.span,
                                    format!("Variable '{name}' is annotated with type {declared} but is being assigned to a value of type {actual}"),
                                )
                                .label(format!("a `{actual}` assigned to a `{declared}` variable")),
                            );
                        }
                    }
                    None => self.give_up(),
                }
                self.assign(target, v, stmt.span);
            }
            StmtKind::AugAssign { target, op, value } => {
                let current = self.value(target);
                let rhs = self.value(value);
                let tensor = self.ty(current) == Type::Tensor;
                let result = if tensor {
                    let name = format!("aten::{}_", binop_name(*op));
                    self.call_aten(&name, vec![current, rhs], vec![], stmt.span)
                } else {
                    self.binop(*op, current, rhs, stmt.span)
                };
                // `x[0] += 2` updated the view in place: nothing to store.
                if !(tensor && matches!(target.kind, ExprKind::Subscript { .. })) {
                    self.assign(target, result, stmt.span);
                }
            }
            StmtKind::If { .. } | StmtKind::Return(_) => {
                // Handled in `statements`, which sees the statements after them.
                return Err(Incomplete);
            }
            StmtKind::For { target, iter, body, orelse, .. } if orelse.is_empty() => {
                self.for_loop(target, iter, body, stmt.span)?
            }
            StmtKind::Assert { test, msg } => self.assert(test, msg.as_ref(), stmt.span)?,
            StmtKind::Delete(targets) => self.delete(targets)?,
            StmtKind::With { items, .. } => {
                // `with torch.no_grad():` is a TorchScript class (not lowered
                // yet); other `torch.` context managers resolve as operators,
                // which do not exist.
                for item in items {
                    if let ExprKind::Call { func, .. } = &item.context.kind
                        && let ExprKind::Attribute { value, attr } = &func.kind
                        && matches!(value.kind, ExprKind::Name(n) if self.host.name(n) == "torch")
                    {
                        let name = self.host.name(attr.name).to_string();
                        if name != "no_grad" && !registry().contains(&format!("aten::{name}")) {
                            self.sure_error(
                                Diagnostic::new(Code::E3008, func.span, format!("Unknown builtin op: aten::{name}."))
                                    .label(format!("TorchScript has no `torch.{name}`"))
                                    .note(format!("Could not find any similar ops to aten::{name}. This op may not exist or may not be currently supported in TorchScript.")),
                            );
                            return Ok(());
                        }
                    }
                }
                return Err(Incomplete);
            }
            StmtKind::While { test, body, orelse } if orelse.is_empty() => self.while_loop(test, body, stmt.span)?,
            StmtKind::Raise { .. } | StmtKind::While { .. } | StmtKind::For { .. } => {
                return Err(Incomplete);
            }
            _ => return Err(Incomplete),
        }
        Ok(())
    }

    /// `assert test, "message"`: an If whose false branch raises
    /// `AssertionError`. After `assert x is not None`, `x` is refined: the
    /// If returns the cast value (and an uninitialized one where it raises).
    fn assert(&mut self, test: &Expr, msg: Option<&Expr>, span: Span) -> Result<(), Incomplete> {
        let message = match msg.map(|m| &m.kind) {
            None => "AssertionError: ".to_string(),
            Some(ExprKind::Constant(Constant::Str(s))) => format!("AssertionError: {}", self.host.name(*s)),
            Some(_) => return Err(Incomplete),
        };
        let refinements = self.refinements(test);
        let cond = self.condition(test);
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        // The true branch only refines; the false one raises.
        self.block = then_block;
        self.scopes.push(HashMap::new());
        self.refine(&refinements.when_true);
        let refined = self.scopes.pop().expect("pushed above");
        self.block = else_block;
        let text = self.constant(IrConstant::Str(message), None);
        let none = self.constant(IrConstant::None, None);
        self.graph.append(else_block, "prim::RaiseException", vec![text, none], vec![], Attr::None, Some(span));
        let missing = self.uninitialized_like(&refined, else_block);
        self.block = outer;
        let mut names: Vec<Symbol> = refined.keys().copied().collect();
        names.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        for name in names {
            let cast = refined[&name];
            self.graph.block_mut(then_block).returns.push(cast);
            self.graph.block_mut(else_block).returns.push(missing[&name]);
            let out = self.graph.add_output(node, self.ty(cast), Some(self.host.name(name).to_string()));
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, out);
        }
        Ok(())
    }

    fn assign(&mut self, target: &Expr, value: ValueId, span: Span) {
        match &target.kind {
            ExprKind::Name(name) => self.bind(*name, value, target.span),
            ExprKind::Tuple(targets) | ExprKind::List(targets) => match self.tuple_view(value) {
                Type::Tuple(items) if items.len() == targets.len() => {
                    // A tuple built right here unpacks to its parts.
                    let outputs = match self.producer(value) {
                        Some((kind, inputs)) if kind == "prim::TupleConstruct" => inputs,
                        _ => self.node("prim::TupleUnpack", vec![value], items, Attr::None, span),
                    };
                    for (t, v) in targets.iter().zip(outputs) {
                        self.assign(t, v, span);
                    }
                }
                Type::Tuple(items) => {
                    let (n, m) = (targets.len(), items.len());
                    let failed = self.error(
                        Diagnostic::new(Code::E2010, span, format!("need {n} values to unpack but found only {m}"))
                            .label(format!("{n} names for a tuple of {m}")),
                    );
                    // The names still exist, with an error type, so their
                    // uses do not report again.
                    for t in targets {
                        self.assign(t, failed, span);
                    }
                }
                // A list unpacks to as many values as there are names;
                // the length is checked when the model runs.
                Type::List(element) if !targets.iter().any(|t| matches!(t.kind, ExprKind::Starred(_))) => {
                    let items = vec![*element; targets.len()];
                    let outputs = self.node("prim::ListUnpack", vec![value], items, Attr::None, span);
                    for (t, v) in targets.iter().zip(outputs) {
                        self.assign(t, v, span);
                    }
                }
                // `first, *rest = xs`: how many items `rest` gets is only
                // known when the model runs.
                Type::List(_) => {
                    let at = self.graph.definer(value).and_then(|n| n.span).unwrap_or(span);
                    let failed = self.error(
                        Diagnostic::new(
                            Code::E2010,
                            at,
                            "cannot statically infer the expected size of a list in this context",
                        )
                        .label("a list's length is only known when the model runs")
                        .help("index the list instead: `first = xs[0]` and `rest = xs[1:]`"),
                    );
                    for t in targets {
                        let t = match &t.kind {
                            ExprKind::Starred(inner) => inner,
                            _ => t,
                        };
                        self.assign(t, failed, span);
                    }
                }
                // The value already failed: the names exist, with its
                // error type, so their uses do not report again.
                Type::Any => {
                    for t in targets {
                        let t = match &t.kind {
                            ExprKind::Starred(inner) => inner,
                            _ => t,
                        };
                        self.assign(t, value, span);
                    }
                }
                _ => {
                    self.unsupported();
                }
            },
            ExprKind::Attribute { value: object, attr } => {
                if self.ty(value) == Type::Any {
                    // The value already failed; one error is enough.
                    return;
                }
                let object = self.expr(object);
                let Sugar::Module(instance, module) = object else {
                    self.unsupported();
                    return;
                };
                let name = self.host.name(attr.name).to_string();
                let exists = instance.attrs.borrow().contains_key(&attr.name)
                    || instance.module.borrow().as_ref().is_some_and(|s| s.get(&name).is_some());
                if !exists || self.is_constant_name(&instance, &name) {
                    self.sure_error(
                        Diagnostic::new(
                            Code::E2013,
                            target.span,
                            format!("Tried to set nonexistent attribute: {name}. Did you forget to initialize it in __init__()?"),
                        )
                        .label(if exists {
                            format!("`{name}` is a constant (listed in `__constants__`)")
                        } else {
                            format!("`{name}` is not an attribute of `{}`", instance.class.name)
                        })
                        .help(format!("set `self.{name}` in `__init__`, and do not list it in `__constants__`")),
                    );
                    return;
                }
                let current = instance.attrs.borrow().get(&attr.name).cloned();
                let Some(expected) = current.as_ref().and_then(attribute_type) else {
                    self.unsupported();
                    return;
                };
                let got = self.ty(value);
                if expected != Type::Any
                    && got != Type::Any
                    && !matching::is_subtype(&got, &expected, &mut HashMap::new())
                {
                    self.error(
                        Diagnostic::new(
                            Code::E2006,
                            target.span,
                            format!("Wrong type for attribute assignment. Expected {expected} but got {got}"),
                        )
                        .label(format!("`self.{name}` is a `{expected}`")),
                    );
                    return;
                }
                self.node("prim::SetAttr", vec![module, value], vec![], Attr::Name(name), span);
            }
            ExprKind::Subscript { value: object, .. } => {
                let o = self.value(object);
                if let Type::Tuple(_) = self.ty(o) {
                    let shown = self.ty(o);
                    self.error(
                        Diagnostic::new(
                            Code::E2010,
                            target.span,
                            format!("{shown} does not support subscripted assignment"),
                        )
                        .label("tuples cannot be changed")
                        .help("build a new tuple"),
                    );
                } else if matches!(self.ty(o), Type::List(_) | Type::Dict(..)) {
                    let ExprKind::Subscript { index, .. } = &target.kind else { unreachable!("matched a subscript") };
                    let i = self.value(index);
                    self.call_aten("aten::_set_item", vec![o, i, value], vec![], span);
                } else if self.ty(o) == Type::Tensor {
                    let ExprKind::Subscript { index, .. } = &target.kind else { unreachable!("matched a subscript") };
                    self.tensor_assign(o, index, value, span);
                } else {
                    self.unsupported();
                }
            }
            _ => {
                self.unsupported();
            }
        }
    }

    /// A list literal compiled for an annotated `List[T]`: every element
    /// must be a `T`; PyTorch names what the elements unified to otherwise.
    fn hinted_list(&mut self, values: Vec<ValueId>, expected: &Type, span: Span) -> ValueId {
        let mut found: Vec<Type> = Vec::new();
        for v in &values {
            let t = self.ty(*v);
            if t == Type::Any {
                return self.any();
            }
            if !found.contains(&t) {
                found.push(t);
            }
        }
        let fits = found.iter().all(|t| t == expected || matching::is_subtype(t, expected, &mut HashMap::new()));
        if !fits {
            let unified = match found.as_slice() {
                [one] => one.to_string(),
                many => {
                    let mut names: Vec<String> = many.iter().map(Type::to_string).collect();
                    names.sort();
                    format!("Union[{}]", names.join(", "))
                }
            };
            return self.error(
                Diagnostic::new(
                    Code::E2006,
                    span,
                    format!("List type annotation `List[{expected}]` did not match the types of the given list elements, which were unified to {unified}"),
                )
                .label(format!("the annotation asks for a list of `{expected}`"))
                .help(format!("write every element as a `{expected}` (`2.0`, not `2`, for floats)")),
            );
        }
        self.node("prim::ListConstruct", values, vec![Type::list(expected.clone())], Attr::None, span)[0]
    }

    /// An `if` with no returns (or whose returns are exit nodes): both
    /// branches in blocks of their own; the variables they assign become the
    /// If's outputs. True when both branches leave the enclosing block.
    fn if_statement(
        &mut self,
        test: &Expr,
        cond: ValueId,
        then: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<bool, Incomplete> {
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        // A refinement is an assignment of the branch (`if stride is None:
        // stride = []` leaves `stride` a `List[int]`; after `if x is None:
        // return`, `x` is the contained type).
        let refinements = self.refinements(test);
        let (then_vars, then_flow) = self.branch(then_block, then, &refinements.when_true)?;
        let (else_vars, else_flow) = self.branch(else_block, orelse, &refinements.when_false)?;
        self.block = outer;
        let (then_falls, else_falls) = (matches!(then_flow, Flow::Falls), matches!(else_flow, Flow::Falls));
        if !then_falls && !else_falls {
            if matches!(then_flow, Flow::Exits) || matches!(else_flow, Flow::Exits) {
                return Ok(true);
            }
            return Err(Incomplete);
        }
        // Outputs: names assigned in a branch that exist afterwards, in
        // the order of the names (PyTorch's sorted set). A branch that
        // raises or exits never reaches the merge: it yields uninitialized
        // values of the other branch's types.
        let mut names: Vec<Symbol> = then_vars.keys().chain(else_vars.keys()).copied().collect();
        names.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        names.dedup();
        for name in names {
            let before = self.lookup(name);
            let t = then_vars.get(&name).copied().or(before).filter(|_| then_falls);
            let e = else_vars.get(&name).copied().or(before).filter(|_| else_falls);
            let (t, e) = match (t, e) {
                (Some(t), Some(e)) => (t, e),
                (Some(t), None) if !else_falls => {
                    let e = self.uninitialized(self.ty(t), else_block);
                    self.graph.value_mut(e).inferred = self.graph.value(t).inferred;
                    (t, e)
                }
                (None, Some(e)) if !then_falls => {
                    let t = self.uninitialized(self.ty(e), then_block);
                    self.graph.value_mut(t).inferred = self.graph.value(e).inferred;
                    (t, e)
                }
                _ => {
                    // Defined in one branch only: an error only if used
                    // later, reported when the use is met.
                    let missing = if then_vars.contains_key(&name) { "false" } else { "true" };
                    self.partial.insert(name, (span, missing));
                    continue;
                }
            };
            let (tt, et) = (self.ty(t), self.ty(e));
            let ty = if tt == et || et == Type::Any || matching::is_subtype(&et, &tt, &mut HashMap::new()) {
                tt
            } else if tt == Type::Any || matching::is_subtype(&tt, &et, &mut HashMap::new()) {
                et
            } else if tt == Type::None || et == Type::None {
                // `y = f(x)` in one branch and `y = None` in the other: PyTorch
                // unifies them to `Optional[T]`.
                let other = if tt == Type::None { et } else { tt };
                Type::optional(other)
            } else {
                let text = self.host.name(name).to_string();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E2006,
                        span,
                        format!("Type mismatch: {text} is set to type {tt} in the true branch and type {et} in the false branch"),
                    )
                    .label(format!("`{text}` gets different types in the two branches")),
                );
                Type::Any
            };
            self.graph.block_mut(then_block).returns.push(t);
            self.graph.block_mut(else_block).returns.push(e);
            let out = self.graph.add_output(node, ty, Some(self.host.name(name).to_string()));
            self.graph.value_mut(out).inferred = self.graph.value(e).inferred;
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, out);
        }
        Ok(false)
    }

    /// Emits a branch into `block`, `refined` locals refined first; returns
    /// the names it (re)bound and how it ends.
    fn branch(
        &mut self,
        block: BlockId,
        body: &[Stmt],
        refined: &[refine::Refined],
    ) -> Result<(HashMap<Symbol, ValueId>, Flow), Incomplete> {
        self.block = block;
        self.scopes.push(HashMap::new());
        self.refine(refined);
        let result = self.statements(body);
        let scope = self.scopes.pop().expect("pushed above");
        match result? {
            Flow::Returns(_) => Err(Incomplete),
            flow => Ok((scope, flow)),
        }
    }

    /// `raise ValueError("...")`: `prim::RaiseException(message, "builtins.ValueError")`.
    fn raise(&mut self, exc: Option<&Expr>, span: Span) -> Result<(), Incomplete> {
        let Some(exc) = exc else { return Err(Incomplete) };
        let (class, message) = match &exc.kind {
            ExprKind::Call { func, args } => match (&func.kind, args.as_slice()) {
                (ExprKind::Name(class), []) => (*class, None),
                (ExprKind::Name(class), [arg]) => match &arg.kind {
                    ArgKind::Positional(message) => (*class, Some(message)),
                    _ => return Err(Incomplete),
                },
                _ => return Err(Incomplete),
            },
            ExprKind::Name(class) => (*class, None),
            _ => return Err(Incomplete),
        };
        let class = self.host.name(class).to_string();
        let message = match message {
            Some(m) => {
                let v = self.value(m);
                if self.ty(v) != Type::Str {
                    return Err(Incomplete);
                }
                v
            }
            None => self.constant(IrConstant::Str(String::new()), None),
        };
        let qualified = self.constant(IrConstant::Str(format!("builtins.{class}")), None);
        self.node("prim::RaiseException", vec![message, qualified], vec![], Attr::None, span);
        Ok(())
    }

    /// An uninitialized value in `block` for each of `vars`, of the same
    /// type, made in the order of the names (as PyTorch's sorted set).
    fn uninitialized_like(&mut self, vars: &HashMap<Symbol, ValueId>, block: BlockId) -> HashMap<Symbol, ValueId> {
        let mut names: Vec<(Symbol, ValueId)> = vars.iter().map(|(&n, &v)| (n, v)).collect();
        names.sort_by(|a, b| self.host.name(a.0).cmp(self.host.name(b.0)));
        let mut out = HashMap::new();
        for (name, v) in names {
            let u = self.uninitialized(self.ty(v), block);
            self.graph.value_mut(u).inferred = self.graph.value(v).inferred;
            out.insert(name, u);
        }
        out
    }

    /// `prim::Uninitialized` at the end of `block`: what a branch that
    /// raises or exits yields for the values the other branch defines.
    /// Lowering the exits ([`crate::ir::exits`]) replaces it with one value
    /// per type at the top of the graph, as PyTorch's does.
    fn uninitialized(&mut self, ty: Type, block: BlockId) -> ValueId {
        let node = self.graph.append(block, "prim::Uninitialized", vec![], vec![ty], Attr::None, None);
        self.graph.node(node).outputs[0]
    }

    /// An `if` whose paths all end in returns (the statements after it were
    /// moved into the branches that fall through): the If's output is the
    /// function's result.
    fn returning_if(
        &mut self,
        cond: ValueId,
        refinements: &refine::Refinements,
        then: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<Flow, Incomplete> {
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        let mut results = Vec::new();
        for (block, body, refined) in
            [(then_block, then, &refinements.when_true), (else_block, orelse, &refinements.when_false)]
        {
            self.block = block;
            self.scopes.push(HashMap::new());
            self.refine(refined);
            let flow = self.statements(body);
            self.scopes.pop();
            let v = match flow? {
                Flow::Returns(v) => v,
                Flow::Exits => return Err(Incomplete),
                // Filled in below with the other branch's type.
                Flow::Raises => {
                    results.push(None);
                    continue;
                }
                Flow::Falls => match self.return_annotation.clone() {
                    Some(annotated) if !matches!(annotated, Type::None | Type::Optional(_) | Type::Any) => {
                        let def = self.unit.def.clone();
                        let name = self.host.name(def.name.name).to_string();
                        let at = Span::new(
                            def.name.span.start,
                            def.returns.as_ref().map_or(def.name.span.end, |r| r.span.end),
                        );
                        self.error(
                            Diagnostic::new(
                                Code::E2007,
                                at,
                                "Function was not annotated as having type None, but does not return along all paths",
                            )
                            .label(format!("`{name}` is annotated to return `{annotated}`"))
                            .secondary(span, "this branch can end without a `return`")
                            .help("add a `return` at the end of every path"),
                        )
                    }
                    _ => {
                        let none = self.constant(IrConstant::None, None);
                        self.check_return(none, span)
                    }
                },
            };
            self.graph.block_mut(block).returns = vec![v];
            results.push(Some(v));
        }
        self.block = outer;
        let results: Vec<ValueId> = match results.as_slice() {
            [Some(t), Some(e)] => vec![*t, *e],
            [Some(v), None] | [None, Some(v)] => {
                let ty = self.ty(*v);
                let raising = if results[0].is_none() { then_block } else { else_block };
                let missing = self.uninitialized(ty, raising);
                self.graph.block_mut(raising).returns = vec![missing];
                if results[0].is_none() { vec![missing, *v] } else { vec![*v, missing] }
            }
            _ => return Err(Incomplete),
        };
        let (t, e) = (self.ty(results[0]), self.ty(results[1]));
        let ty = self.merge_return_types(&t, &e, span);
        let out = self.graph.add_output(node, ty, None);
        self.graph.value_mut(out).inferred = self.graph.value(results[1]).inferred;
        Ok(Flow::Returns(out))
    }

    fn merge_return_types(&mut self, t: &Type, e: &Type, span: Span) -> Type {
        if t == e || *e == Type::Any {
            return t.clone();
        }
        if *t == Type::Any {
            return e.clone();
        }
        match (t, e) {
            (Type::None, other) | (other, Type::None) if !matches!(other, Type::Optional(_)) => {
                Type::optional(other.clone())
            }
            (Type::Optional(inner), other) | (other, Type::Optional(inner)) if **inner == *other => {
                t.clone().max_optional(e)
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E2009,
                        span,
                        format!("Previous return statement returned a value of type {t} but this return statement returns a value of type {e}"),
                    )
                    .label("the returns of this function have different types"),
                );
                Type::Any
            }
        }
    }

    /// A condition as a bool: Tensors through `aten::Bool`, ints through
    /// `aten::Bool`; an Optional is an error, as in PyTorch.
    /// A `prim::If` on `cond` in the current block, with its two (empty)
    /// branches.
    fn if_node(&mut self, cond: ValueId, span: Span) -> (crate::ir::NodeId, BlockId, BlockId) {
        let node = self.graph.append(self.block, "prim::If", vec![cond], vec![], Attr::None, Some(span));
        let (then_block, else_block) = (self.graph.new_block(), self.graph.new_block());
        self.graph.node_mut(node).blocks = vec![then_block, else_block];
        (node, then_block, else_block)
    }

    /// `torch.jit.annotate`, spelled out.
    fn is_jit_annotate(&self, func: &Expr) -> bool {
        let ExprKind::Attribute { value, attr } = &func.kind else { return false };
        let ExprKind::Attribute { value: torch, attr: jit } = &value.kind else { return false };
        matches!(torch.kind, ExprKind::Name(n) if self.host.name(n) == "torch")
            && self.host.name(jit.name) == "jit"
            && self.host.name(attr.name) == "annotate"
    }

    /// `torch.jit.annotate(T, value)`: `value` compiled for the type `T`
    /// (`torch.jit.annotate(List[int], [])` is an empty `List[int]`).
    fn annotate(&mut self, annotation: &Expr, value: &Expr) -> ValueId {
        let Some(declared) = annotation::parse(self.host, annotation) else { return self.unsupported() };
        self.type_hint = Some(declared.clone());
        let v = self.value(value);
        self.type_hint = None;
        let actual = self.ty(v);
        if actual == declared || actual == Type::Any || matching::is_subtype(&actual, &declared, &mut HashMap::new()) {
            v
        } else {
            self.unsupported()
        }
    }

    fn condition(&mut self, test: &Expr) -> ValueId {
        let v = self.value(test);
        match self.ty(v) {
            Type::Bool | Type::Any => v,
            // A list is true when it is not empty.
            Type::List(_) => {
                let n = self.node("aten::len", vec![v], vec![Type::Int], Attr::None, test.span)[0];
                let zero = self.constant(IrConstant::Int(0), None);
                self.node("aten::gt", vec![n, zero], vec![Type::Bool], Attr::None, test.span)[0]
            }
            Type::Tensor | Type::Int | Type::Float => {
                self.node("aten::Bool", vec![v], vec![Type::Bool], Attr::None, test.span)[0]
            }
            Type::Optional(_) => {
                let shown = self.ty(v);
                self.error(
                    Diagnostic::new(Code::E2011, test.span, format!("Could not cast value of type {shown} to bool"))
                        .label("an Optional is not a condition")
                        .help("test `is not None` first"),
                )
            }
            _ => self.unsupported(),
        }
    }

    // ------------------------------------------------------------ expressions

    /// An expression as an IR value.
    fn value(&mut self, e: &Expr) -> ValueId {
        let sugar = self.expr(e);
        self.materialize(sugar, e.span)
    }

    fn materialize(&mut self, sugar: Sugar, _span: Span) -> ValueId {
        match sugar {
            Sugar::Value(v) | Sugar::Module(_, v) => v,
            _ => self.unsupported(),
        }
    }

    fn expr(&mut self, e: &Expr) -> Sugar {
        let hint = self.type_hint.take();
        match &e.kind {
            ExprKind::Constant(c) => Sugar::Value(match c {
                Constant::None => self.constant(IrConstant::None, Some(e.span)),
                Constant::Bool(b) => self.constant(IrConstant::Bool(*b), Some(e.span)),
                Constant::Int(IntLit::Small(v)) if *v <= i64::MAX as u64 => {
                    self.constant(IrConstant::Int(*v as i64), Some(e.span))
                }
                Constant::Float(f) => self.constant(IrConstant::Float(*f), Some(e.span)),
                Constant::Str(s) => {
                    let text = self.host.name(*s).to_string();
                    self.constant(IrConstant::Str(text), Some(e.span))
                }
                _ => self.unsupported(),
            }),
            ExprKind::Name(name) => self.name(*name),
            ExprKind::Attribute { value, attr } => {
                let object = self.expr(value);
                self.attribute(object, attr, e.span)
            }
            ExprKind::Call { func, args } => {
                if self.is_jit_annotate(func)
                    && let [
                        Arg { kind: ArgKind::Positional(annotation), .. },
                        Arg { kind: ArgKind::Positional(value), .. },
                    ] = args.as_slice()
                {
                    return Sugar::Value(self.annotate(annotation, value));
                }
                // `x.tolist()` compiled for an annotated type: `prim::tolist`,
                // not lowered yet. (Without one it is an error: see attributes.rs.)
                if hint.is_some()
                    && let ExprKind::Attribute { attr, .. } = &func.kind
                    && self.host.name(attr.name) == "tolist"
                {
                    return Sugar::Value(self.unsupported());
                }
                if let ExprKind::Name(f) = func.kind
                    && self.host.name(f) == "isinstance"
                    && self.lookup(f).is_none()
                    && let [
                        Arg { kind: ArgKind::Positional(object), .. },
                        Arg { kind: ArgKind::Positional(classinfo), .. },
                    ] = args.as_slice()
                {
                    return Sugar::Value(self.isinstance(object, classinfo, e.span));
                }
                // `getattr(self, "fc")` is `self.fc`.
                if let ExprKind::Name(f) = func.kind
                    && self.host.name(f) == "getattr"
                    && self.lookup(f).is_none()
                    && let [
                        Arg { kind: ArgKind::Positional(object), .. },
                        Arg {
                            kind: ArgKind::Positional(Expr { kind: ExprKind::Constant(Constant::Str(name)), span }),
                            ..
                        },
                    ] = args.as_slice()
                {
                    let object = self.expr(object);
                    return self.attribute(object, &Ident { name: *name, span: *span }, e.span);
                }
                let callee = self.expr(func);
                self.call(callee, args, e.span)
            }
            ExprKind::BinOp { left, op, right } => {
                let (l, r) = (self.value(left), self.value(right));
                Sugar::Value(self.binop(*op, l, r, e.span))
            }
            // `-1` is a constant, as PyTorch's frontend folds it.
            ExprKind::UnaryOp { op: UnaryOp::Neg, operand }
                if matches!(operand.kind, ExprKind::Constant(Constant::Int(IntLit::Small(_)) | Constant::Float(_))) =>
            {
                Sugar::Value(match operand.kind {
                    ExprKind::Constant(Constant::Int(IntLit::Small(v))) => {
                        self.constant(IrConstant::Int(-(v as i64)), Some(e.span))
                    }
                    ExprKind::Constant(Constant::Float(f)) => self.constant(IrConstant::Float(-f), Some(e.span)),
                    _ => unreachable!("matched a numeric constant"),
                })
            }
            ExprKind::UnaryOp { op, operand } => {
                let v = self.value(operand);
                Sugar::Value(match op {
                    UnaryOp::Neg => self.call_aten("aten::neg", vec![v], vec![], e.span),
                    UnaryOp::Pos => v,
                    UnaryOp::Not => {
                        let b = match self.ty(v) {
                            Type::Bool | Type::Any => v,
                            _ => self.node("aten::Bool", vec![v], vec![Type::Bool], Attr::None, e.span)[0],
                        };
                        self.call_aten("aten::__not__", vec![b], vec![], e.span)
                    }
                    UnaryOp::Invert => self.call_aten("aten::bitwise_not", vec![v], vec![], e.span),
                })
            }
            ExprKind::Compare { left, comparisons } if comparisons.len() == 1 => {
                let (op, right) = &comparisons[0];
                let (l, r) = (self.value(left), self.value(right));
                Sugar::Value(self.compare(*op, l, r, e.span))
            }
            // `a < b < c` is `a < b and b < c`, with `b` evaluated once.
            ExprKind::Compare { left, comparisons } => {
                let (op, right) = &comparisons[0];
                let (l, r) = (self.value(left), self.value(right));
                let first = self.compare(*op, l, r, e.span);
                Sugar::Value(self.compare_chain(first, r, &comparisons[1..], e.span))
            }
            // `a or b or c` is `(a or b) or c`, as PyTorch's frontend nests it.
            ExprKind::BoolOp { op, values } if values.len() > 2 => {
                let (last, init) = values.split_last().expect("more than two");
                let span = Span::new(init[0].span.start, init[init.len() - 1].span.end);
                let left = Expr { kind: ExprKind::BoolOp { op: *op, values: init.to_vec() }, span };
                let nested =
                    Expr { kind: ExprKind::BoolOp { op: *op, values: vec![left, last.clone()] }, span: e.span };
                self.expr(&nested)
            }
            // `a and b`: `b` if `a`, else False; `a or b`: True if `a`, else `b`.
            ExprKind::BoolOp { op, values } if values.len() == 2 => {
                // The left side's refinements hold where the right side runs.
                let refinements = self.refinements(&values[0]);
                let a = self.condition(&values[0]);
                let (node, then_block, else_block) = self.if_node(a, e.span);
                let outer = self.block;
                let is_and = *op == BoolOp::And;
                let evaluated = if is_and { then_block } else { else_block };
                let mut right = |this: &mut Self| this.condition(&values[1]);
                let mut short = |this: &mut Self| this.constant(IrConstant::Bool(!is_and), None);
                let (t, f, merges) = if is_and {
                    self.expression_if(node, refinements, &mut right, &mut short)
                } else {
                    self.expression_if(node, refinements, &mut short, &mut right)
                };
                let b = if is_and { t } else { f };
                // `a and True` is `a`, `a or True` is True, ...: when `b` is a
                // constant, PyTorch's peephole leaves no If behind.
                let only_constants =
                    self.graph.block(evaluated).nodes.iter().all(|&n| self.graph.node(n).kind == "prim::Constant");
                if let (Some(b), true, true) = (self.constant_bool(b), only_constants, merges.is_empty()) {
                    self.graph.block_mut(outer).nodes.pop();
                    let keeps_a = b == is_and;
                    let result = if keeps_a { a } else { self.constant(IrConstant::Bool(b), Some(e.span)) };
                    return Sugar::Value(result);
                }
                let out = self.graph.add_output(node, Type::Bool, None);
                self.merge_refined(node, merges);
                Sugar::Value(out)
            }
            ExprKind::ListComp { elt, generators } | ExprKind::GeneratorExp { elt, generators } => {
                match generators.as_slice() {
                    [generator] if generator.ifs.is_empty() && !generator.is_async => {
                        match self.list_comprehension(elt, generator, hint, e.span) {
                            Ok(v) => Sugar::Value(v),
                            Err(Incomplete) => Sugar::Value(self.unsupported()),
                        }
                    }
                    _ => Sugar::Value(self.unsupported()),
                }
            }
            ExprKind::DictComp { key, value, generators } => match generators.as_slice() {
                [generator] if generator.ifs.is_empty() && !generator.is_async => {
                    match self.dict_comprehension(key, value, generator, hint, e.span) {
                        Ok(v) => Sugar::Value(v),
                        Err(Incomplete) => Sugar::Value(self.unsupported()),
                    }
                }
                _ => Sugar::Value(self.unsupported()),
            },
            ExprKind::Dict(items) => Sugar::Value(self.dict_literal(items, hint, e.span)),
            // `f"{a} and {b}"` is `aten::format("{} and {}", a, b)`.
            ExprKind::FString(parts) => {
                let mut template = String::new();
                let mut fields = Vec::new();
                for part in parts {
                    match part {
                        FStringPart::Literal(text) => template.push_str(self.host.name(*text)),
                        FStringPart::Field(field)
                            if field.conversion.is_none() && field.spec.is_empty() && field.debug.is_none() =>
                        {
                            template.push_str("{}");
                            fields.push(&field.value);
                        }
                        FStringPart::Field(_) => return Sugar::Value(self.unsupported()),
                    }
                }
                let template = self.constant(IrConstant::Str(template), Some(e.span));
                let mut inputs = vec![template];
                inputs.extend(fields.into_iter().map(|f| self.value(f)));
                Sugar::Value(self.call_aten("aten::format", inputs, vec![], e.span))
            }
            ExprKind::Tuple(items) => {
                let values: Vec<ValueId> = items.iter().map(|i| self.value(i)).collect();
                let types = values.iter().map(|v| self.ty(*v)).collect();
                Sugar::Value(self.node("prim::TupleConstruct", values, vec![Type::Tuple(types)], Attr::None, e.span)[0])
            }
            ExprKind::List(items) => {
                let values: Vec<ValueId> = items.iter().map(|i| self.value(i)).collect();
                if let Some(Type::List(expected)) = &hint {
                    return Sugar::Value(self.hinted_list(values, expected, e.span));
                }
                let mut types: Vec<Type> = Vec::new();
                for v in &values {
                    let t = self.ty(*v);
                    if t == Type::Any {
                        return Sugar::Value(*v);
                    }
                    if !types.contains(&t) {
                        types.push(t);
                    }
                }
                // Items of different types make a list of their Union, as
                // in PyTorch (`[1, "two", x]` is a `List[Union[Tensor, int, str]]`).
                let element = match types.as_slice() {
                    [] => Type::Tensor,
                    [one] => one.clone(),
                    many => dicts::union_of(many),
                };
                let list = self.node("prim::ListConstruct", values, vec![Type::list(element)], Attr::None, e.span)[0];
                if items.is_empty() {
                    // PyTorch gives an unannotated `[]` no variable name.
                    self.anonymous.insert(list);
                }
                Sugar::Value(list)
            }
            ExprKind::Subscript { value, index } => {
                let object = match self.expr(value) {
                    // `self.heads["cls"]`, `self.layers[0]`: a submodule by
                    // a constant key, read like an attribute.
                    Sugar::Module(container, holder) => {
                        let key = match &index.kind {
                            ExprKind::Constant(Constant::Str(key)) => Some(self.host.name(*key).to_string()),
                            ExprKind::Constant(Constant::Int(IntLit::Small(i))) => Some(i.to_string()),
                            _ if container.class.name.as_ref() == "ModuleList"
                                || container.class.name.as_ref() == "Sequential" =>
                            {
                                return Sugar::Value(self.sure_error(
                                    Diagnostic::new(
                                        Code::E3001,
                                        index.span,
                                        "Expected integer literal for index but got a variable or non-integer. ModuleList/Sequential indexing is only supported with integer literals. For example, 'i = 4; self.layers[i](x)' will fail because i is not a literal. Enumeration is supported, e.g. 'for index, v in enumerate(self): out = v(inp)'",
                                    )
                                    .label("not an integer literal")
                                    .help("iterate over the modules with `for i, layer in enumerate(self.layers):`"),
                                ));
                            }
                            _ => None,
                        };
                        let child = key.and_then(|key| {
                            crate::host::module::child_instances(&container).into_iter().find(|(name, _)| *name == key)
                        });
                        let Some((name, child)) = child else { return Sugar::Value(self.unsupported()) };
                        let ty = Type::Class(child.class.qualified_name().into());
                        let v = self.node("prim::GetAttr", vec![holder], vec![ty], Attr::Name(name.clone()), e.span)[0];
                        self.graph.value_mut(v).name = Some(submodule_value_name(&name));
                        self.modules.insert(v, child.clone());
                        return Sugar::Module(child, v);
                    }
                    sugar => self.materialize(sugar, value.span),
                };
                Sugar::Value(self.subscript(object, index, e.span))
            }
            ExprKind::IfExp { test, body, orelse } => {
                let refinements = self.refinements(test);
                let cond = self.condition(test);
                // A constant condition (`2 if self.bidirectional else 1`)
                // compiles only the branch it takes, as in PyTorch.
                if let Some(taken) = self.constant_bool(cond) {
                    return self.expr(if taken { body } else { orelse });
                }
                let (node, _, _) = self.if_node(cond, e.span);
                let (then_value, else_value, merges) = self.expression_if(
                    node,
                    refinements,
                    &mut |this: &mut Self| this.value(body),
                    &mut |this: &mut Self| this.value(orelse),
                );
                let (t, f) = (self.ty(then_value), self.ty(else_value));
                let ty = if t == f || f == Type::Any {
                    t
                } else if t == Type::Any {
                    f
                } else if t == Type::None || f == Type::None {
                    // `x if c else None` is an `Optional`, as in PyTorch.
                    Type::optional(if t == Type::None { f } else { t })
                } else if matching::is_subtype(&f, &t, &mut HashMap::new()) {
                    t
                } else if matching::is_subtype(&t, &f, &mut HashMap::new()) {
                    f
                } else {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::E2006,
                            e.span,
                            format!("if-expression's true branch has type {t} but false branch has type {f}"),
                        )
                        .label("the two branches have different types"),
                    );
                    Type::Any
                };
                let out = self.graph.add_output(node, ty, None);
                self.graph.value_mut(out).inferred = self.graph.value(else_value).inferred;
                self.merge_refined(node, merges);
                Sugar::Value(out)
            }
            _ => Sugar::Value(self.unsupported()),
        }
    }

    fn name(&mut self, name: Symbol) -> Sugar {
        if let (None, Some(&(at, branch))) = (self.lookup(name), self.partial.get(&name)) {
            let text = self.host.name(name).to_string();
            return Sugar::Value(
                self.error(
                    Diagnostic::new(Code::E2004, at, format!("{text} is not defined in the {branch} branch"))
                        .label(format!("`{text}` is assigned in only one branch of this `if`"))
                        .help(format!("assign `{text}` before the `if`, or in both branches")),
                ),
            );
        }
        if let Some(v) = self.lookup(name) {
            if let Some(instance) = self.modules.get(&v) {
                return Sugar::Module(instance.clone(), v);
            }
            return Sugar::Value(v);
        }
        if let Some(sugar) = self.aliases.get(&name) {
            return sugar.clone();
        }
        let global = self.unit.globals.attrs.borrow().get(&name).cloned();
        match global {
            Some(Value::Namespace(ns)) => Sugar::Namespace(ns.name.to_string()),
            Some(Value::Builtin(b)) => Sugar::Builtin(b.name.clone()),
            Some(Value::Class(c)) if c.module_path.as_ref() == "builtins" => Sugar::Builtin(c.name.to_string()),
            Some(Value::Function(f)) => function_sugar(f),
            Some(Value::Class(c)) if c.is_module() => Sugar::ModuleClass(c),
            Some(Value::Class(c)) => match annotation::parse_str(&c.name) {
                Some(t @ Type::NamedTuple(_)) if &*c.module_path == "torch.nn.utils.rnn" => Sugar::NamedTupleClass(t),
                _ => Sugar::Opaque,
            },
            Some(_) => Sugar::Opaque,
            None => {
                let text = self.host.name(name).to_string();
                if self.host.builtins.attrs.borrow().contains_key(&name) || text == "range" {
                    Sugar::Builtin(text)
                } else {
                    Sugar::Opaque
                }
            }
        }
    }

    fn binop(&mut self, op: BinOp, l: ValueId, r: ValueId, span: Span) -> ValueId {
        let (lt, rt) = (self.ty(l), self.ty(r));
        let name = match op {
            // A Tensor's `//` is `torch.floor_divide`; `aten::floordiv` is for numbers.
            BinOp::FloorDiv if lt == Type::Tensor || rt == Type::Tensor => "aten::floor_divide".to_string(),
            _ => format!("aten::{}", binop_name(op)),
        };
        let scalar = |t: &Type| matches!(t, Type::Int | Type::Float);
        if scalar(&lt) && rt == Type::Tensor {
            // `2 * x` is `x * 2`; `1 - x` is `rsub(x, 1)`.
            match op {
                BinOp::Add | BinOp::Mul => return self.call_aten(&name, vec![r, l], vec![], span),
                // `1 - x` is `-x + 1`, as PyTorch's `__rsub__`.
                BinOp::Sub => {
                    let negated = self.call_aten("aten::neg", vec![r], vec![], span);
                    return self.call_aten("aten::add", vec![negated, l], vec![], span);
                }
                // `2.0 / x` is `x.reciprocal() * 2.0`, as PyTorch's `__rtruediv__`.
                BinOp::Div => {
                    let reciprocal = self.call_aten("aten::reciprocal", vec![r], vec![], span);
                    return self.call_aten("aten::mul", vec![reciprocal, l], vec![], span);
                }
                _ => return self.unsupported(),
            }
        }
        self.call_aten(&name, vec![l, r], vec![], span)
    }

    fn subscript(&mut self, object: ValueId, index: &Expr, span: Span) -> ValueId {
        match self.tuple_view(object) {
            // `result[1:]`: a tuple of the items, by constant bounds.
            Type::Tuple(items) if matches!(index.kind, ExprKind::Slice { .. }) => {
                let ExprKind::Slice { lower, upper, step } = &index.kind else { unreachable!("matched a slice") };
                let n = items.len() as i64;
                let bound = |e: &Option<Box<Expr>>| -> Option<Option<i64>> {
                    match e.as_deref().map(|e| &e.kind) {
                        None => Some(None),
                        Some(ExprKind::Constant(Constant::Int(IntLit::Small(i)))) => Some(Some(*i as i64)),
                        Some(ExprKind::UnaryOp { op: UnaryOp::Neg, operand }) => match operand.kind {
                            ExprKind::Constant(Constant::Int(IntLit::Small(i))) => Some(Some(-(i as i64))),
                            _ => None,
                        },
                        _ => None,
                    }
                };
                let (Some(start), Some(end), Some(None)) = (bound(lower), bound(upper), bound(step)) else {
                    return self.unsupported();
                };
                let clamp = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
                let (start, end) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(n)));
                let mut parts = Vec::new();
                for i in start..end.max(start) {
                    let at = self.constant(IrConstant::Int(i), None);
                    let ty = items[i as usize].clone();
                    parts.push(self.node("prim::TupleIndex", vec![object, at], vec![ty], Attr::None, span)[0]);
                }
                let types = parts.iter().map(|v| self.ty(*v)).collect();
                self.node("prim::TupleConstruct", parts, vec![Type::Tuple(types)], Attr::None, span)[0]
            }
            Type::Tuple(items) => {
                let constant = match &index.kind {
                    ExprKind::Constant(Constant::Int(IntLit::Small(i))) => Some(*i as i64),
                    ExprKind::UnaryOp { op: UnaryOp::Neg, operand } => match operand.kind {
                        ExprKind::Constant(Constant::Int(IntLit::Small(i))) => Some(-(i as i64)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(given) = constant else {
                    // A non-literal index: only into a tuple whose items
                    // all have one type.
                    let i = self.value(index);
                    if !matches!(self.ty(i), Type::Int | Type::Any) {
                        return self.unsupported();
                    }
                    let shown = self.ty(object);
                    let Some(first) = items.first().filter(|f| items.iter().all(|t| t == *f)) else {
                        return self.error(
                            Diagnostic::new(
                                Code::E2010,
                                span,
                                format!("Cannot index into a {shown} with a non-integer literal because we cannot resolve the output type"),
                            )
                            .label("the items have different types")
                            .help("index with an integer literal"),
                        );
                    };
                    let ty = first.clone();
                    return self.node("prim::TupleIndex", vec![object, i], vec![ty], Attr::None, span)[0];
                };
                // `t[-1]` is the last item.
                let n = items.len() as i64;
                let i = if given < 0 { given + n } else { given };
                if !(0..n).contains(&i) {
                    return self.error(
                        Diagnostic::new(
                            Code::E2010,
                            span,
                            format!("Tuple index out of range. Tuple is length {n} and index is {given}"),
                        )
                        .label(format!("a tuple of {n} has no element {given}")),
                    );
                }
                // (The index stays as written: `(t)[-1]`.)
                let at = self.constant(IrConstant::Int(given), None);
                self.node("prim::TupleIndex", vec![object, at], vec![items[i as usize].clone()], Attr::None, span)[0]
            }
            // `xs[1:]`, `s[:3]`: `aten::slice.t` / `.str`.
            Type::List(_) | Type::Str if matches!(index.kind, ExprKind::Slice { .. }) => {
                let ExprKind::Slice { lower, upper, step } = &index.kind else { unreachable!("matched a slice") };
                let mut bound = |e: &Option<Box<Expr>>, default: IrConstant| match e {
                    Some(e) => self.value(e),
                    None => self.constant(default, None),
                };
                let start = bound(lower, IrConstant::None);
                let end = bound(upper, IrConstant::None);
                let step = bound(step, IrConstant::Int(1));
                self.call_aten("aten::slice", vec![object, start, end, step], vec![], span)
            }
            Type::List(element) => {
                let i = self.value(index);
                if self.ty(i) != Type::Int {
                    return self.unsupported();
                }
                self.node("aten::__getitem__", vec![object, i], vec![*element], Attr::None, span)[0]
            }
            Type::Tensor => self.tensor_index(object, index, span),
            // `d[key]`: `aten::__getitem__.Dict_str` and its kin.
            Type::Dict(..) => {
                let key = self.value(index);
                self.call_aten("aten::__getitem__", vec![object, key], vec![], span)
            }
            Type::Any => object,
            _ => self.unsupported(),
        }
    }
}

/// The name of the value a submodule is read into: its attribute name,
/// `_0` for a container's `0` (PyTorch's names may not start with a digit).
pub(super) fn submodule_value_name(attribute: &str) -> String {
    if attribute.starts_with(|c: char| c.is_ascii_digit()) { format!("_{attribute}") } else { attribute.to_string() }
}

/// Splits `a, List[b, c], d` at its top-level commas.
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}

fn binop_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::MatMul => "matmul",
        BinOp::Div => "div",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "remainder",
        BinOp::Pow => "pow",
        BinOp::LShift => "__lshift__",
        BinOp::RShift => "__rshift__",
        BinOp::BitOr => "__or__",
        BinOp::BitXor => "__xor__",
        BinOp::BitAnd => "__and__",
    }
}

/// Whether every path through the statements ends in a `return`.
fn always_returns(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::If { body, orelse, .. } => always_returns(body) && always_returns(orelse),
        _ => false,
    })
}

/// Whether any `return` occurs in the statements (outside nested defs).
fn returns_somewhere(body: &[Stmt]) -> bool {
    let mut found = false;
    super::each_statement_unchecked(body, &mut |s| found |= matches!(s.kind, StmtKind::Return(_)));
    found
}

/// Names assigned anywhere in the statements.
fn assigned_names(body: &[Stmt]) -> Vec<Symbol> {
    let mut out = Vec::new();
    let mut add = |e: &Expr| {
        if let ExprKind::Name(n) = e.kind {
            out.push(n);
        }
    };
    super::each_statement_unchecked(body, &mut |s| match &s.kind {
        StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| super::each_target_name(t, &mut add)),
        StmtKind::AugAssign { target, .. } | StmtKind::AnnAssign { target, .. } | StmtKind::For { target, .. } => {
            super::each_target_name(target, &mut add)
        }
        _ => {}
    });
    out.sort();
    out.dedup();
    out
}

trait MaxOptional {
    fn max_optional(self, other: &Type) -> Type;
}

impl MaxOptional for Type {
    /// Of a type and its Optional, the Optional.
    fn max_optional(self, other: &Type) -> Type {
        if matches!(self, Type::Optional(_)) { self } else { other.clone() }
    }
}

/// A function's parameters and result as TorchScript types, from its
/// annotations or its `# type:` comment; `None` if one names a type this
/// compiler does not know.
pub struct Signature {
    /// Name, type, default.
    pub params: Vec<(String, Type, Option<Default>)>,
    /// Each parameter's `N` if it is a `BroadcastingListN` (an `int[N]`).
    pub sizes: Vec<Option<usize>>,
    /// The annotated result type, if annotated.
    pub returns: Option<Type>,
}

impl Signature {
    /// As a schema, the way PyTorch prints user functions in errors.
    fn schema(&self, name: &str, returns: Type) -> crate::ops::Schema {
        let arguments = self
            .params
            .iter()
            .zip(&self.sizes)
            .map(|((name, ty, default), n)| crate::ops::Argument {
                name: name.clone(),
                ty: ty.clone(),
                n: *n,
                default: default.clone(),
                kwarg_only: false,
                alias: None,
                symint: false,
            })
            .collect();
        let returns = vec![crate::ops::Return { name: None, ty: returns, alias: None, symint: false }];
        crate::ops::Schema {
            name: name.to_string(),
            overload: String::new(),
            arguments,
            returns,
            is_vararg: false,
            is_varret: false,
        }
    }
}

pub fn signature(host: &mut Host<'_>, unit: &Unit) -> Option<Signature> {
    let def = unit.def.clone();
    let probe = Emitter::new(host, unit);
    let commented = probe.type_comment(&def);
    let offset = usize::from(unit.owner.is_some());
    let mut params = Vec::with_capacity(def.params.len());
    let mut sizes = Vec::with_capacity(def.params.len());
    for (i, param) in def.params.iter().enumerate() {
        if param.kind != ParamKind::Normal && param.kind != ParamKind::PositionalOnly {
            return None;
        }
        let size = param.annotation.as_ref().and_then(|a| annotation::list_size(probe.host, a));
        sizes.push(size);
        let name = probe.host.name(param.name.name).to_string();
        let ty = match (&unit.owner, i) {
            (Some(owner), 0) => Type::Class(owner.class.qualified_name().into()),
            _ => match commented.as_ref().and_then(|(types, _)| types.get(i - offset)) {
                Some(t) => t.clone(),
                None => match &param.annotation {
                    None => Type::Tensor,
                    Some(a) => annotation::parse(probe.host, a)?,
                },
            },
        };
        let default = match &param.default {
            None => None,
            Some(e) => Some(match &e.kind {
                ExprKind::Constant(Constant::None) => Default::None,
                ExprKind::Constant(Constant::Bool(b)) => Default::Bool(*b),
                ExprKind::Constant(Constant::Int(IntLit::Small(v))) => {
                    if ty == Type::Float {
                        Default::Float(*v as f64)
                    } else {
                        Default::Int(*v as i64)
                    }
                }
                ExprKind::Constant(Constant::Float(f)) => Default::Float(*f),
                ExprKind::Constant(Constant::Str(s)) => Default::Str(probe.host.name(*s).to_string()),
                // `min_val: float = -1.0`
                ExprKind::UnaryOp { op: UnaryOp::Neg, operand } => match operand.kind {
                    ExprKind::Constant(Constant::Int(IntLit::Small(v))) if ty == Type::Float => {
                        Default::Float(-(v as f64))
                    }
                    ExprKind::Constant(Constant::Int(IntLit::Small(v))) => Default::Int(-(v as i64)),
                    ExprKind::Constant(Constant::Float(f)) => Default::Float(-f),
                    _ => return None,
                },
                _ => return None,
            }),
        };
        // `padding: BroadcastingList2[int] = 0` defaults to `[0, 0]`.
        let default = match (default, size) {
            (Some(Default::Int(v)), Some(n)) => Some(Default::IntList(vec![v; n])),
            (Some(Default::Float(v)), Some(n)) => Some(Default::FloatList(vec![v; n])),
            (Some(Default::Bool(v)), Some(n)) => Some(Default::BoolList(vec![v; n])),
            (default, _) => default,
        };
        params.push((name, ty, default));
    }
    let returns = match (&commented, &def.returns) {
        (Some((_, t)), _) => Some(t.clone()),
        (None, Some(r)) => Some(annotation::parse(probe.host, r)?),
        (None, None) => None,
    };
    Some(Signature { params, sizes, returns })
}

/// A constant attribute's value as an IR constant, if it is one.
fn constant_of(value: &Value) -> Option<IrConstant> {
    Some(match value {
        Value::Int(i) => IrConstant::Int(*i),
        Value::Float(f) => IrConstant::Float(*f),
        Value::Bool(b) => IrConstant::Bool(*b),
        Value::Str(s) => IrConstant::Str(s.to_string()),
        Value::Device(d) => IrConstant::Device(d.to_string()),
        Value::None => IrConstant::None,
        _ => return None,
    })
}

/// A parameter default as `.code` writes it: `None`, `True`, `2.5`, `[1, 1]`.
pub fn default_source(default: &Default) -> String {
    let join = |items: Vec<String>| format!("[{}]", items.join(", "));
    match default {
        Default::None => "None".into(),
        Default::Bool(b) => if *b { "True" } else { "False" }.into(),
        Default::Int(i) => i.to_string(),
        Default::Float(f) => crate::ir::print::float(*f),
        Default::Str(s) => format!("{s:?}"),
        Default::IntList(items) => join(items.iter().map(i64::to_string).collect()),
        Default::FloatList(items) => join(items.iter().map(|f| crate::ir::print::float(*f)).collect()),
        Default::BoolList(items) => join(items.iter().map(|b| if *b { "True" } else { "False" }.to_string()).collect()),
        Default::EmptyList => "[]".into(),
        Default::Ident(name) => name.clone(),
    }
}

/// The TorchScript type of a plain attribute value, inferred from the value
/// as PyTorch does (a list takes its first element's type and needs all to
/// agree; an empty list has none).
pub(crate) fn attribute_type(value: &Value) -> Option<Type> {
    Some(match value {
        Value::Tensor(_) => Type::Tensor,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::Str(_) => Type::Str,
        Value::None => Type::None,
        Value::Device(_) => Type::Device,
        Value::Tuple(items) => Type::Tuple(items.iter().map(attribute_type).collect::<Option<Vec<_>>>()?),
        Value::List(items) => {
            let items = items.borrow();
            let first = attribute_type(items.first()?)?;
            if items.iter().any(|v| attribute_type(v).as_ref() != Some(&first)) {
                return None;
            }
            Type::list(first)
        }
        _ => return None,
    })
}

/// A Python function as compiled code sees it: the few that TorchScript
/// maps to operators by identity (`torch/jit/_builtins.py`) are those
/// operators; the rest are compiled.
fn function_sugar(f: Rc<Function>) -> Sugar {
    match (&*f.globals.name, f.qualname.as_str()) {
        ("torch.nn.functional", "_no_grad_embedding_renorm_") => {
            Sugar::Aten("aten::_no_grad_embedding_renorm_".to_string())
        }
        _ => Sugar::Function(f),
    }
}

/// A free function's TorchScript name: `__torch__.helper` for the user's
/// file, `__torch__.torch.nn.functional.dropout` for the prelude's. A
/// static method is named like a free function (`__torch__.clip`), as
/// PyTorch names it by `__name__`.
fn qualified_function_name(f: &Function) -> String {
    let name = f.qualname.rsplit('.').next().unwrap_or(&f.qualname);
    match &*f.globals.name {
        "__main__" => format!("__torch__.{name}"),
        module => format!("__torch__.{module}.{name}"),
    }
}
