//! The script compiler's diagnostics that more than one place reports,
//! each built here only: a site says which case it met, this file what
//! that case says.

use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::types::Type;

/// An integer literal beyond 64 bits, in PyTorch's words.
pub(super) fn integer_out_of_range(literal: Span) -> Diagnostic {
    Diagnostic::new(Code::E3001, literal, "Integral constant out of range (must fit in a signed 64 bit integer)")
        .label("TorchScript's integers are 64-bit")
}

/// What the compiler was doing when it met a construct it does not handle
/// yet: each says E3010 in its own words.
pub(crate) enum Purpose {
    /// `tsc compile`, on a file `check` accepts.
    Compile,
    /// Writing a `.ptl` file.
    Export,
    /// `tsc run`.
    Run,
    /// Tracing a module by running its compiled forward; where it is traced.
    Trace(Span),
}

/// E3010: the compiler stops at a statement it cannot lower yet.
pub(crate) fn cannot_compile_yet(at: Span, purpose: Purpose) -> Diagnostic {
    let stops = "the script compiler stops here";
    let explain = "`tsc explain E3010` lists what the compiler handles today";
    let statement = "tsc cannot compile this statement yet";
    match purpose {
        Purpose::Compile => Diagnostic::new(Code::E3010, at, statement)
            .label(stops)
            .note("`tsc check` found no error here: PyTorch may well accept this file")
            .help(explain),
        Purpose::Export => Diagnostic::new(Code::E3010, at, statement).label(stops).help(explain),
        Purpose::Run => Diagnostic::new(Code::E3010, at, statement).label(stops),
        Purpose::Trace(traced) => {
            Diagnostic::new(Code::E3010, at, "tsc cannot trace this module: it cannot compile this statement yet")
                .label(stops)
                .secondary(traced, "traced here")
                .note("tsc traces by running the compiled forward on the example inputs")
        }
    }
}

/// Two types TorchScript requires to agree (E2006), in PyTorch's words.
pub(super) enum Mismatch {
    /// An `if` binds a variable to another type in each branch.
    Branches { variable: String, then: Type, orelse: Type },
    /// A dict literal's key unlike the keys before it.
    DictKey { expected: Type, found: Type },
    /// A dict literal's keys or values unlike its annotation.
    DictAnnotation { annotated: Type, part: &'static str, found: Type },
    /// An if-expression's two branches.
    IfExpression { then: Type, orelse: Type },
    /// A list literal's elements unlike its annotation.
    ListAnnotation { element: Type, unified: String },
    /// A variable assigned another type than it had.
    Rebound { variable: String, previous: String, new: Type },
    /// A value assigned to an annotated variable.
    Annotated { variable: String, declared: Type, actual: Type },
    /// A value assigned to a module attribute.
    Attribute { name: String, expected: Type, got: Type },
}

/// E2006 at `at`.
pub(super) fn type_mismatch(at: Span, mismatch: Mismatch) -> Diagnostic {
    use Mismatch::*;
    let d = |message: String| Diagnostic::new(Code::E2006, at, message);
    match mismatch {
        Branches { variable, then, orelse } => d(format!(
            "Type mismatch: {variable} is set to type {then} in the true branch and type {orelse} in the false branch"
        ))
        .label(format!("`{variable}` gets different types in the two branches")),
        DictKey { expected, found } => {
            d(format!("Dict keys must contain only a single type. Expected: {expected} but found {found} instead"))
                .label(format!("a key of type `{found}` among keys of type `{expected}`"))
        }
        DictAnnotation { annotated, part, found } => d(format!(
            "Type annotation was inferred to be `{annotated}`, but the type of {part} given by the dict literal is {found}"
        ))
        .label(format!("the annotation asks for a `{annotated}`")),
        IfExpression { then, orelse } => {
            d(format!("if-expression's true branch has type {then} but false branch has type {orelse}"))
                .label("the two branches have different types")
        }
        ListAnnotation { element, unified } => d(format!(
            "List type annotation `List[{element}]` did not match the types of the given list elements, which were unified to {unified}"
        ))
        .label(format!("the annotation asks for a list of `{element}`"))
        .help(format!("write every element as a `{element}` (`2.0`, not `2`, for floats)")),
        Rebound { variable, previous, new } => d(format!(
            "Variable '{variable}' previously had type {previous} but is now being assigned to a value of type {new}"
        ))
        .label(format!("assigned a `{new}` here"))
        .note("a variable keeps its type across branches and loop iterations")
        .help(format!("use another name for the `{new}` value")),
        Annotated { variable, declared, actual } => d(format!(
            "Variable '{variable}' is annotated with type {declared} but is being assigned to a value of type {actual}"
        ))
        .label(format!("a `{actual}` assigned to a `{declared}` variable")),
        Attribute { name, expected, got } => {
            d(format!("Wrong type for attribute assignment. Expected {expected} but got {got}"))
                .label(format!("`self.{name}` is a `{expected}`"))
        }
    }
}

/// E2014: a call whose arguments fit no schema. One schema gives its
/// reason as the message, as PyTorch does; several share PyTorch's
/// headline and each schema's reason becomes a note at the site.
pub(super) fn arguments_not_valid(at: Span, only: Option<(&str, &str)>) -> Diagnostic {
    match only {
        Some((schema, reason)) => Diagnostic::new(Code::E2014, at, format!("{schema}: {reason}")),
        None => Diagnostic::new(Code::E2014, at, "Arguments for call are not valid."),
    }
}
