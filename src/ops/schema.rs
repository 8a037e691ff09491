//! PyTorch's operator schema syntax: a parser into [`Schema`] and a
//! `Display` that prints a schema back exactly as PyTorch's `str(schema)`
//! does (`aten::sum.dim_IntList(Tensor self, int[1]? dim, bool
//! keepdim=False, *, ScalarType? dtype=None) -> Tensor`).
//!
//! The grammar and the printing rules follow PyTorch 2.5.1's
//! `function_schema_parser.cpp`, `schema_type_parser.cpp` and
//! `operator<<(FunctionSchema)`, including their quirks: an `int[2]` default
//! whose items are all equal prints as one number (`int[2] padding=0`),
//! `Tensor(a!)[]` puts the alias on the list's element, aliases nested in
//! tuples, dicts and futures are dropped, and a single return whose printed
//! form starts with `(` gets parentheses around it.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::types::Type;

/// One operator overload: `aten::add.Tensor(Tensor self, Tensor other, *,
/// Scalar alpha=1) -> Tensor`.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Qualified name: `aten::add`.
    pub name: String,
    /// Overload name: `Tensor`, or empty for the default overload.
    pub overload: String,
    pub arguments: Vec<Argument>,
    pub returns: Vec<Return>,
    /// The argument list ends with `...`.
    pub is_vararg: bool,
    /// The return list ends with `...` (`-> ...`).
    pub is_varret: bool,
}

/// An argument: `int[2] stride=[1, 1]`, `Tensor(a!) self`, `*, ScalarType? dtype=None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Argument {
    pub name: String,
    /// `SymInt` is `Type::Int` here (see [`Argument::symint`]); `Scalar` is
    /// `Type::Number`; type variables (`t`, `tVal`) are `Type::Var`.
    pub ty: Type,
    /// The size of a sized list: `int[2]` has `Some(2)`.
    pub n: Option<usize>,
    pub default: Option<DefaultValue>,
    /// After `*` in the argument list: can only be passed by keyword.
    pub kwarg_only: bool,
    pub alias: Option<Alias>,
    /// The schema spells the `int` at the core of `ty` (`int`, `int?`,
    /// `int[]`, `int[2]?`) as `SymInt`. Only printing cares; TorchScript
    /// treats `SymInt` as `int`.
    pub symint: bool,
}

/// A return value: `Tensor(a!)`, `Tensor values`, `t[]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Return {
    /// Returns may be named: `-> (Tensor values, Tensor indices)`.
    pub name: Option<String>,
    pub ty: Type,
    pub alias: Option<Alias>,
    /// As [`Argument::symint`].
    pub symint: bool,
}

/// An alias annotation, as PyTorch's `AliasInfo`: `(a)`, `(a!)`, `(a -> *)`,
/// `(b|a)`. Sets are alias-set names without the `alias::` prefix; `*` is the
/// wildcard set. For a list whose elements are annotated (`Tensor(a!)[]`) the
/// list's annotation has no sets of its own, the element's annotation in
/// `contained`, and the element's `is_write`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, std::default::Default)]
pub struct Alias {
    /// The sets before the call, in source order.
    pub before: Vec<String>,
    /// The sets after the call: equal to `before` unless the annotation has `->`.
    pub after: Vec<String>,
    /// `!`: the operator writes to the value.
    pub is_write: bool,
    /// Annotations of contained types (a list's element).
    pub contained: Vec<Alias>,
}

/// A default value, as the parsed schema holds it. Defaults of `float`
/// arguments are always `Float` (`float x=1` is `Float(1.0)`); a sized list
/// with a single-value default holds the repeated list (`int[2] padding=0` is
/// `IntList([0, 0])`).
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    IntList(Vec<i64>),
    FloatList(Vec<f64>),
    BoolList(Vec<bool>),
    /// `[]` for a list of something other than int, float or bool.
    EmptyList,
    /// An unquoted identifier such as `contiguous_format` or `Mean`, as
    /// `native_functions.yaml` writes some enum defaults. PyTorch stores
    /// those as ints, so `str(schema)` never prints one.
    Ident(String),
}

/// Why a schema did not parse: a message and the byte offset it applies to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct SchemaError {
    pub offset: usize,
    pub message: String,
}

impl Schema {
    /// Parses one schema; the whole string must be the schema (surrounding
    /// whitespace allowed).
    pub fn parse(text: &str) -> Result<Schema, SchemaError> {
        let mut parser = Parser { bytes: text.as_bytes(), src: text, pos: 0, depth: 0, fresh: 0 };
        let schema = parser.schema()?;
        parser.skip_ws();
        if parser.pos < parser.bytes.len() {
            return Err(parser.error("unexpected text after the schema"));
        }
        Ok(schema)
    }

    /// `aten::add.Tensor`, or `aten::add` for the default overload.
    pub fn qualified_name(&self) -> String {
        if self.overload.is_empty() { self.name.clone() } else { format!("{}.{}", self.name, self.overload) }
    }

    /// The namespace: `aten`, `prim`, `prepacked`.
    pub fn namespace(&self) -> &str {
        self.name.split_once("::").map_or("", |(ns, _)| ns)
    }

    /// The name without its namespace: `add`.
    pub fn unqualified_name(&self) -> &str {
        self.name.split_once("::").map_or(&self.name, |(_, name)| name)
    }

    /// Some argument is written to (`Tensor(a!) self`, `t[](a!) self`).
    pub fn is_mutable(&self) -> bool {
        self.arguments.iter().any(Argument::is_write)
    }

    /// The index of the argument called `name`.
    pub fn argument_index(&self, name: &str) -> Option<usize> {
        self.arguments.iter().position(|a| a.name == name)
    }
}

impl Argument {
    /// The operator writes to this argument (or to its list's elements).
    pub fn is_write(&self) -> bool {
        self.alias.as_ref().is_some_and(|a| a.is_write)
    }
}

impl Alias {
    pub const WILDCARD: &'static str = "*";

    pub fn is_wildcard_before(&self) -> bool {
        self.before.iter().any(|s| s == Self::WILDCARD)
    }

    pub fn is_wildcard_after(&self) -> bool {
        self.after.iter().any(|s| s == Self::WILDCARD)
    }
}

impl FromStr for Schema {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Schema, SchemaError> {
        Schema::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Parsing

/// Nesting deeper than this is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

/// The largest sized list a single-value default is repeated into
/// (`int[2] padding=0`); schemas use at most 6.
const MAX_REPEAT: usize = 1024;

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Counter for the fresh sets of bare `!` annotations (`$0`, `$1`).
    fresh: usize,
}

/// A default value before it meets its argument's type.
#[derive(Clone)]
enum Literal {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    List(Vec<Literal>),
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> SchemaError {
        SchemaError { offset: self.pos, message: message.into() }
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> SchemaError {
        SchemaError { offset, message: message.into() }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.bytes[self.pos..].starts_with(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), SchemaError> {
        if self.eat(c) { Ok(()) } else { Err(self.error(format!("expected `{}`", c as char))) }
    }

    fn at_ident(&mut self) -> bool {
        self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
    }

    fn ident(&mut self) -> Result<&'a str, SchemaError> {
        if !self.at_ident() {
            return Err(self.error("expected an identifier"));
        }
        let start = self.pos;
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_alphanumeric() || self.bytes[self.pos] == b'_')
        {
            self.pos += 1;
        }
        // Identifiers are ASCII, so both ends are char boundaries.
        Ok(&self.src[start..self.pos])
    }

    fn enter(&mut self) -> Result<(), SchemaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(self.error("nested too deeply")) } else { Ok(()) }
    }

    fn schema(&mut self) -> Result<Schema, SchemaError> {
        let mut name = self.ident()?.to_string();
        if self.eat(b':') {
            self.expect(b':')?;
            name.push_str("::");
            name.push_str(self.ident()?);
        }
        let overload = if self.eat(b'.') { self.ident()?.to_string() } else { String::new() };
        self.expect(b'(')?;
        let mut arguments = Vec::new();
        let mut kwarg_only = false;
        let mut is_vararg = false;
        if !self.eat(b')') {
            loop {
                if is_vararg {
                    return Err(self.error("`...` must be the last element of the argument list"));
                }
                if self.eat_str("...") {
                    is_vararg = true;
                } else if self.eat(b'*') {
                    kwarg_only = true;
                } else {
                    let start = self.pos;
                    let arg = self.argument(kwarg_only)?;
                    if arguments.iter().any(|a: &Argument| a.name == arg.name) {
                        return Err(self.error_at(start, format!("duplicate argument `{}`", arg.name)));
                    }
                    arguments.push(arg);
                }
                if !self.eat(b',') {
                    break;
                }
            }
            self.expect(b')')?;
        }
        if !self.eat_str("->") {
            return Err(self.error("expected `->`"));
        }
        let mut returns = Vec::new();
        let mut is_varret = false;
        if self.eat_str("...") {
            is_varret = true;
        } else if self.eat(b'(') {
            if !self.eat(b')') {
                loop {
                    if is_varret {
                        return Err(self.error("`...` must be the last element of the return list"));
                    }
                    if self.eat_str("...") {
                        is_varret = true;
                    } else {
                        returns.push(self.ret()?);
                    }
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.expect(b')')?;
            }
        } else {
            returns.push(self.ret()?);
        }
        Ok(Schema { name, overload, arguments, returns, is_vararg, is_varret })
    }

    /// The type part of an argument or return, with a sized list's size:
    /// `int[2]?`, `Tensor(a!)`.
    fn typed(&mut self, is_return: bool) -> Result<(Type, Option<usize>, Option<Alias>, bool), SchemaError> {
        let (mut ty, mut alias, symint) = self.ty()?;
        let mut n = None;
        if self.eat(b'[') {
            if is_return {
                return Err(self.error("a sized list type is only allowed for arguments"));
            }
            let start = self.pos;
            let size = self.number_text()?;
            n = Some(size.parse::<usize>().map_err(|_| self.error_at(start, "expected a list size"))?);
            self.expect(b']')?;
            ty = Type::list(ty);
            alias = self.list_alias(alias)?;
            if self.eat(b'?') {
                ty = Type::optional(ty);
            }
        }
        Ok((ty, n, alias, symint))
    }

    fn argument(&mut self, kwarg_only: bool) -> Result<Argument, SchemaError> {
        let (ty, n, alias, symint) = self.typed(false)?;
        let name = self.ident()?.to_string();
        let default = if self.eat(b'=') {
            let start = self.pos;
            let literal = self.literal()?;
            Some(convert_default(literal, &ty, n).map_err(|m| self.error_at(start, m))?)
        } else {
            None
        };
        Ok(Argument { name, ty, n, default, kwarg_only, alias, symint })
    }

    fn ret(&mut self) -> Result<Return, SchemaError> {
        let (ty, _, alias, symint) = self.typed(true)?;
        let name = if self.at_ident() { Some(self.ident()?.to_string()) } else { None };
        Ok(Return { name, ty, alias, symint })
    }

    /// A type with its alias annotation and whether its core is `SymInt`, as
    /// `SchemaTypeParser::parseFakeAndRealType`.
    fn ty(&mut self) -> Result<(Type, Option<Alias>, bool), SchemaError> {
        self.enter()?;
        let result = self.ty_inner();
        self.depth -= 1;
        result
    }

    fn ty_inner(&mut self) -> Result<(Type, Option<Alias>, bool), SchemaError> {
        let mut alias = None;
        let mut symint = false;
        let mut ty = if self.eat(b'(') {
            let mut items = Vec::new();
            if !self.eat(b')') {
                loop {
                    // PyTorch drops the aliases of tuple items.
                    items.push(self.ty()?.0);
                    if !self.eat(b',') {
                        break;
                    }
                }
                self.expect(b')')?;
            }
            Type::Tuple(items)
        } else {
            let start = self.pos;
            let word = self.ident()?;
            match word {
                "Future" | "Await" | "RRef" => {
                    self.expect(b'(')?;
                    let inner = Box::new(self.ty()?.0);
                    self.expect(b')')?;
                    match word {
                        "Future" => Type::Future(inner),
                        "Await" => Type::Await(inner),
                        _ => Type::RRef(inner),
                    }
                }
                "Dict" => {
                    self.expect(b'(')?;
                    let key = self.ty()?.0;
                    self.expect(b',')?;
                    let value = self.ty()?.0;
                    self.expect(b')')?;
                    alias = self.alias()?;
                    Type::Dict(Box::new(key), Box::new(value))
                }
                "Union" => {
                    self.expect(b'(')?;
                    let mut items = vec![self.ty()?.0];
                    while self.eat(b',') {
                        items.push(self.ty()?.0);
                    }
                    self.expect(b')')?;
                    alias = self.alias()?;
                    Type::Union(items)
                }
                "__torch__" => {
                    let mut name = word.to_string();
                    while self.eat(b'.') {
                        name.push('.');
                        name.push_str(self.ident()?);
                    }
                    Type::Class(Arc::from(name))
                }
                _ => {
                    let ty = match word {
                        "Tensor" => Type::Tensor,
                        "int" => Type::Int,
                        "SymInt" => {
                            symint = true;
                            Type::Int
                        }
                        "float" => Type::Float,
                        "bool" => Type::Bool,
                        "str" | "Dimname" => Type::Str,
                        "complex" => Type::Complex,
                        "Scalar" => Type::Number,
                        "ScalarType" => Type::ScalarType,
                        "Layout" => Type::Layout,
                        "MemoryFormat" => Type::MemoryFormat,
                        "Device" => Type::Device,
                        "Generator" => Type::Generator,
                        "Storage" => Type::Storage,
                        "Stream" => Type::Stream,
                        "QScheme" => Type::QScheme,
                        "Any" => Type::Any,
                        "AnyClassType" => Type::AnyClass,
                        "AnyEnumType" => Type::AnyEnum,
                        "None" | "NoneType" => Type::None,
                        _ if word.starts_with(|c: char| c.is_ascii_lowercase()) => Type::Var(Arc::from(word)),
                        _ => return Err(self.error_at(start, format!("unknown type `{word}`"))),
                    };
                    alias = self.alias()?;
                    ty
                }
            }
        };
        loop {
            if self.peek() == Some(b'[') && self.peek_after(b'[') == Some(b']') {
                self.eat(b'[');
                self.eat(b']');
                ty = Type::list(ty);
                alias = self.list_alias(alias)?;
            } else if self.eat(b'?') {
                ty = Type::optional(ty);
            } else {
                break;
            }
        }
        Ok((ty, alias, symint))
    }

    /// The first non-space byte after the next occurrence of `c` (which is at `pos`).
    fn peek_after(&mut self, c: u8) -> Option<u8> {
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&c) {
            return None;
        }
        self.bytes[self.pos + 1..].iter().copied().find(|b| !b.is_ascii_whitespace())
    }

    /// After `[]` or `[N]`: the list's own annotation, with the element's
    /// annotation moved into `contained`.
    fn list_alias(&mut self, element: Option<Alias>) -> Result<Option<Alias>, SchemaError> {
        let mut container = self.alias()?;
        if let Some(element) = element {
            let container = container.get_or_insert_with(|| Alias { is_write: element.is_write, ..Alias::default() });
            container.contained.push(element);
        }
        Ok(container)
    }

    /// `(a)`, `(a!)`, `(a|b -> *)`, a bare `!`, or nothing.
    fn alias(&mut self) -> Result<Option<Alias>, SchemaError> {
        if self.eat(b'(') {
            let mut alias = Alias { before: self.alias_sets()?, ..Alias::default() };
            alias.is_write = self.eat(b'!');
            alias.after = if self.eat_str("->") { self.alias_sets()? } else { alias.before.clone() };
            self.expect(b')')?;
            Ok(Some(alias))
        } else if self.eat(b'!') {
            let set = format!("${}", self.fresh);
            self.fresh += 1;
            Ok(Some(Alias { before: vec![set.clone()], after: vec![set], is_write: true, contained: Vec::new() }))
        } else {
            Ok(None)
        }
    }

    fn alias_sets(&mut self) -> Result<Vec<String>, SchemaError> {
        let mut sets = Vec::new();
        loop {
            if self.eat(b'*') {
                sets.push(Alias::WILDCARD.to_string());
            } else if self.eat(b'$') {
                // A fresh set as a bare `!` makes (`$0`), so that printing round-trips.
                let start = self.pos;
                while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
                if start == self.pos {
                    return Err(self.error("expected an alias set"));
                }
                sets.push(format!("${}", &self.src[start..self.pos]));
            } else {
                sets.push(self.ident()?.to_string());
            }
            if !self.eat(b'|') {
                return Ok(sets);
            }
        }
    }

    /// Digits, an optional fraction and exponent, with an optional `-`.
    fn number_text(&mut self) -> Result<&'a str, SchemaError> {
        self.skip_ws();
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.pos < p.bytes.len() && p.bytes[p.pos].is_ascii_digit() {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let mut count = digits(self);
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            count += digits(self);
        }
        if count == 0 {
            self.pos = start;
            return Err(self.error("expected a number"));
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            let mark = self.pos;
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                self.pos = mark;
            }
        }
        Ok(&self.src[start..self.pos])
    }

    fn literal(&mut self) -> Result<Literal, SchemaError> {
        self.enter()?;
        let result = self.literal_inner();
        self.depth -= 1;
        result
    }

    fn literal_inner(&mut self) -> Result<Literal, SchemaError> {
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.literal()?);
                        if !self.eat(b',') {
                            break;
                        }
                    }
                    self.expect(b']')?;
                }
                Ok(Literal::List(items))
            }
            Some(quote @ (b'"' | b'\'')) => self.string(quote).map(Literal::Str),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => Ok(match self.ident()? {
                "None" => Literal::None,
                "True" => Literal::Bool(true),
                "False" => Literal::Bool(false),
                "inf" => Literal::Float(f64::INFINITY),
                "nan" => Literal::Float(f64::NAN),
                word => Literal::Ident(word.to_string()),
            }),
            Some(b'-') if self.bytes[self.pos + 1..].starts_with(b"inf") => {
                self.pos += 4;
                Ok(Literal::Float(f64::NEG_INFINITY))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'.' => {
                let start = self.pos;
                let text = self.number_text()?;
                if text.contains(['.', 'e', 'E']) {
                    text.parse::<f64>().map(Literal::Float).map_err(|_| self.error_at(start, "invalid float"))
                } else {
                    text.parse::<i64>().map(Literal::Int).map_err(|_| self.error_at(start, "integer out of range"))
                }
            }
            _ => Err(self.error("expected a default value")),
        }
    }

    /// A quoted string with C-style escapes (PyTorch's `parseStringLiteral`).
    fn string(&mut self, quote: u8) -> Result<String, SchemaError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let rest = &self.src[self.pos..];
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                _ if c as u32 == u32::from(quote) => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some((j, e)) = chars.next() else { break };
                    let escaped = match e {
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'v' => '\u{b}',
                        '\\' | '\'' | '"' | '?' => e,
                        '0'..='7' => {
                            // Up to three octal digits.
                            let mut value = e as u32 - '0' as u32;
                            let mut lookahead = chars.clone();
                            for _ in 0..2 {
                                match lookahead.next() {
                                    Some((_, d @ '0'..='7')) => {
                                        value = value * 8 + (d as u32 - '0' as u32);
                                        chars.next();
                                    }
                                    _ => break,
                                }
                            }
                            if value > 0xff {
                                return Err(self.error_at(self.pos + j, "octal escape out of range"));
                            }
                            char::from(value as u8)
                        }
                        _ => return Err(self.error_at(self.pos + j, format!("unknown escape `\\{e}`"))),
                    };
                    out.push(escaped);
                }
                _ => out.push(c),
            }
        }
        Err(self.error_at(start, "unterminated string"))
    }
}

/// Gives a literal its argument's type, as PyTorch's `parseDefaultValue`.
fn convert_default(literal: Literal, ty: &Type, n: Option<usize>) -> Result<DefaultValue, String> {
    let core = match ty {
        Type::Optional(inner) => inner.as_ref(),
        other => other,
    };
    match literal {
        Literal::None => Ok(DefaultValue::None),
        Literal::Ident(word) => Ok(DefaultValue::Ident(word)),
        Literal::List(items) => {
            let Type::List(elem) = core else {
                return Err("a list default needs a list type".into());
            };
            list_default(items, elem)
        }
        scalar => match core {
            Type::List(elem) => match n {
                Some(n) if n > MAX_REPEAT => Err(format!("cannot repeat a default {n} times")),
                Some(n) => list_default((0..n).map(|_| scalar.clone()).collect(), elem),
                None => Err("a single-value default needs a sized list type such as `int[2]`".into()),
            },
            _ => scalar_default(scalar, core),
        },
    }
}

fn scalar_default(literal: Literal, ty: &Type) -> Result<DefaultValue, String> {
    Ok(match (literal, ty) {
        (Literal::Int(i), Type::Float) => DefaultValue::Float(i as f64),
        (Literal::Float(_), Type::Int) => return Err("expected an integer".into()),
        (Literal::Int(i), _) => DefaultValue::Int(i),
        (Literal::Float(x), _) => DefaultValue::Float(x),
        (Literal::Bool(b), _) => DefaultValue::Bool(b),
        (Literal::Str(s), _) => DefaultValue::Str(s),
        (Literal::None, _) => DefaultValue::None,
        (Literal::Ident(s), _) => DefaultValue::Ident(s),
        (Literal::List(_), _) => return Err("unexpected list".into()),
    })
}

fn list_default(items: Vec<Literal>, elem: &Type) -> Result<DefaultValue, String> {
    match elem {
        Type::Int => items
            .into_iter()
            .map(|item| match item {
                Literal::Int(i) => Ok(i),
                _ => Err("expected an integer list".to_string()),
            })
            .collect::<Result<_, _>>()
            .map(DefaultValue::IntList),
        Type::Float => items
            .into_iter()
            .map(|item| match item {
                Literal::Int(i) => Ok(i as f64),
                Literal::Float(x) => Ok(x),
                _ => Err("expected a float list".to_string()),
            })
            .collect::<Result<_, _>>()
            .map(DefaultValue::FloatList),
        Type::Bool => items
            .into_iter()
            .map(|item| match item {
                Literal::Bool(b) => Ok(b),
                _ => Err("expected a bool list".to_string()),
            })
            .collect::<Result<_, _>>()
            .map(DefaultValue::BoolList),
        _ if items.is_empty() => Ok(DefaultValue::EmptyList),
        _ => Err(format!("unsupported default for a list of `{}`", elem.schema())),
    }
}

// ---------------------------------------------------------------------------
// Printing

impl fmt::Display for Schema {
    /// As PyTorch's `operator<<(std::ostream&, const FunctionSchema&)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.overload.is_empty() {
            write!(f, ".{}", self.overload)?;
        }
        f.write_str("(")?;
        let mut seen_kwarg_only = false;
        for (i, arg) in self.arguments.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if arg.kwarg_only && !seen_kwarg_only {
                f.write_str("*, ")?;
                seen_kwarg_only = true;
            }
            write!(f, "{arg}")?;
        }
        if self.is_vararg {
            if !self.arguments.is_empty() {
                f.write_str(", ")?;
            }
            f.write_str("...")?;
        }
        f.write_str(") -> ")?;
        let returns: Vec<String> = self.returns.iter().map(Return::to_string).collect();
        let single = (returns.len() == 1 && !self.is_varret) || (returns.is_empty() && self.is_varret);
        // A single return that starts with `(` (a tuple) would read as a return list.
        let paren = !single || returns.len() == 1 && returns[0].starts_with('(');
        if paren {
            f.write_str("(")?;
        }
        f.write_str(&returns.join(", "))?;
        if self.is_varret {
            if !returns.is_empty() {
                f.write_str(", ")?;
            }
            f.write_str("...")?;
        }
        if paren {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Argument {
    /// As PyTorch's `operator<<(std::ostream&, const Argument&)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_typed(f, &self.ty, self.n, self.alias.as_ref(), self.symint)?;
        write!(f, " {}", self.name)?;
        if let Some(default) = &self.default {
            f.write_str("=")?;
            let collapsible = !self.symint && matches!(&self.ty, Type::List(elem) if **elem == Type::Int);
            match default {
                // `int[2] padding=0`: a list of equal ints prints as one.
                DefaultValue::IntList(items)
                    if collapsible && items.len() > 1 && items.iter().all(|&i| i == items[0]) =>
                {
                    write!(f, "{}", items[0])?;
                }
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Return {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_typed(f, &self.ty, None, self.alias.as_ref(), self.symint)?;
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// A type with its alias annotation, as arguments and returns print them:
/// `Tensor(a!)`, `Tensor(a)[]`, `t[](a!)`, `int[2]?`, `Tensor(a!)?`.
fn write_typed(
    f: &mut fmt::Formatter<'_>,
    ty: &Type,
    n: Option<usize>,
    alias: Option<&Alias>,
    symint: bool,
) -> fmt::Result {
    let (optional, core) = match ty {
        Type::Optional(inner) => (true, inner.as_ref()),
        other => (false, other),
    };
    if let Type::List(elem) = core {
        match (elem.as_ref(), alias.and_then(|a| a.contained.first())) {
            // `Tensor(a!)?[]`: the alias goes before the element's `?`.
            (Type::Optional(inner), Some(element_alias)) => {
                write_type(f, inner, symint)?;
                write!(f, "{element_alias}?")?;
            }
            (_, element_alias) => {
                write_type(f, elem, symint)?;
                if let Some(element_alias) = element_alias {
                    write!(f, "{element_alias}")?;
                }
            }
        }
        match n {
            Some(n) => write!(f, "[{n}]")?,
            None => f.write_str("[]")?,
        }
    } else {
        write_type(f, core, symint)?;
    }
    if let Some(alias) = alias.filter(|a| !a.before.is_empty()) {
        write!(f, "{alias}")?;
    }
    if optional {
        f.write_str("?")?;
    }
    Ok(())
}

/// The schema spelling, with `SymInt` for the core `int` when `symint`.
fn write_type(f: &mut fmt::Formatter<'_>, ty: &Type, symint: bool) -> fmt::Result {
    match ty {
        Type::Int if symint => f.write_str("SymInt"),
        Type::Optional(inner) => {
            write_type(f, inner, symint)?;
            f.write_str("?")
        }
        Type::List(inner) => {
            write_type(f, inner, symint)?;
            f.write_str("[]")
        }
        other => f.write_str(&other.schema()),
    }
}

impl fmt::Display for Alias {
    /// As PyTorch's `operator<<(std::ostream&, const AliasInfo&)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}", self.before.join("|"))?;
        if self.is_write {
            f.write_str("!")?;
        }
        if self.before != self.after {
            write!(f, " -> {}", self.after.join("|"))?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for DefaultValue {
    /// As PyTorch prints an `IValue` default.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T>(f: &mut fmt::Formatter<'_>, items: &[T], item: impl Fn(&T) -> String) -> fmt::Result {
            write!(f, "[{}]", items.iter().map(item).collect::<Vec<_>>().join(", "))
        }
        match self {
            DefaultValue::None => f.write_str("None"),
            DefaultValue::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            DefaultValue::Int(i) => write!(f, "{i}"),
            DefaultValue::Float(x) => f.write_str(&format_double(*x)),
            DefaultValue::Str(s) => f.write_str(&quote_string(s)),
            DefaultValue::IntList(items) => list(f, items, i64::to_string),
            DefaultValue::FloatList(items) => list(f, items, |x| format_double(*x)),
            DefaultValue::BoolList(items) => list(f, items, |b| if *b { "True".into() } else { "False".into() }),
            DefaultValue::EmptyList => f.write_str("[]"),
            DefaultValue::Ident(s) => f.write_str(s),
        }
    }
}

/// A double as PyTorch's `IValue` printer writes it: integral values below
/// 1e10 as `1.` / `-0.`, everything else as C's `%.17g` (`1.0000000000000001e-05`,
/// `0.33333333333333331`).
pub fn format_double(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if (x == 0.0 || x.is_normal()) && x.abs() < 1e10 {
        let i = x as i64;
        if i as f64 == x {
            return if i == 0 && x.is_sign_negative() { "-0.".into() } else { format!("{i}.") };
        }
    }
    format_g17(x)
}

/// C's `%.17g` for a finite, non-zero double.
fn format_g17(x: f64) -> String {
    const PRECISION: i32 = 17;
    // `{:.16e}` is correctly rounded to 17 significant digits: `d.dddde±x`.
    let e_form = format!("{x:.16e}");
    let (mantissa, exponent) = e_form.split_once('e').unwrap_or((&e_form, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..PRECISION).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let rest = rest.trim_end_matches('0');
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}{rest}e{exp_sign}{:02}", exponent.unsigned_abs())
    } else if exponent >= 0 {
        let split = exponent as usize + 1;
        let (int_part, frac) = digits.split_at(split.min(digits.len()));
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() { format!("{sign}{int_part}") } else { format!("{sign}{int_part}.{frac}") }
    } else {
        let zeros = "0".repeat((-exponent - 1) as usize);
        let frac = digits.trim_end_matches('0');
        format!("{sign}0.{zeros}{frac}")
    }
}

/// A string as PyTorch's `c10::printQuotedString` writes it.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            // Other ASCII controls in octal; non-ASCII text as is (PyTorch
            // would escape its bytes; no schema has any).
            _ if c.is_ascii_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}
