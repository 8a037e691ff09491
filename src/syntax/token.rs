//! Tokens: the raw tokens logos finds in the text, and the tokens the parser
//! reads (raw keywords and punctuation, plus cooked literals and layout).

use logos::{Lexer, Logos};

use super::ast::{FStringPart, IntLit, StrKind};
use super::intern::Symbol;

/// What logos recognizes. Literals are only delimited here; [`super::literal`]
/// decodes them. Spaces, tabs, form feeds and backslash continuations are
/// skipped: the layout measures indentation from the text itself.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\x0C]+")]
#[logos(skip r"\\\r?\n")]
pub enum RawToken {
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}]*")]
    Name,

    #[regex(r"[0-9](_?[0-9])*")]
    #[regex(r"0[xX](_?[0-9a-fA-F])+")]
    #[regex(r"0[oO](_?[0-7])+")]
    #[regex(r"0[bB](_?[01])+")]
    Int,

    #[regex(r"([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"[0-9](_?[0-9])*\.([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*")]
    Float,

    #[regex(r"([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?[jJ]")]
    #[regex(r"[0-9](_?[0-9])*\.([eE][+-]?[0-9](_?[0-9])*)?[jJ]")]
    #[regex(r"[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?[jJ]")]
    Imag,

    /// A digit run that no number rule accepts in full (`0x`, `1__0`, `1e`).
    #[regex(r"[0-9][0-9a-zA-Z_]*", priority = 1)]
    BadNumber,

    /// A string, bytes or f-string literal, from its prefix to its closing quote.
    #[regex(r#"[rRbBfFuU]{0,2}["']"#, lex_string)]
    Str(StrEnd),

    #[regex(r"#[^\r\n]*", allow_greedy = true)]
    Comment,

    #[regex(r"\r\n|\n|\r")]
    Newline,

    // Keywords.
    #[token("False")]
    False,
    #[token("None")]
    None,
    #[token("True")]
    True,
    #[token("and")]
    And,
    #[token("as")]
    As,
    #[token("assert")]
    Assert,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("break")]
    Break,
    #[token("class")]
    Class,
    #[token("continue")]
    Continue,
    #[token("def")]
    Def,
    #[token("del")]
    Del,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("except")]
    Except,
    #[token("finally")]
    Finally,
    #[token("for")]
    For,
    #[token("from")]
    From,
    #[token("global")]
    Global,
    #[token("if")]
    If,
    #[token("import")]
    Import,
    #[token("in")]
    In,
    #[token("is")]
    Is,
    #[token("lambda")]
    Lambda,
    #[token("nonlocal")]
    Nonlocal,
    #[token("not")]
    Not,
    #[token("or")]
    Or,
    #[token("pass")]
    Pass,
    #[token("raise")]
    Raise,
    #[token("return")]
    Return,
    #[token("try")]
    Try,
    #[token("while")]
    While,
    #[token("with")]
    With,
    #[token("yield")]
    Yield,

    // Delimiters; the layout keeps a stack of the openers.
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,

    // Operators and other punctuation.
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("**")]
    DoubleStar,
    #[token("/")]
    Slash,
    #[token("//")]
    DoubleSlash,
    #[token("%")]
    Percent,
    #[token("@")]
    At,
    #[token("<<")]
    LeftShift,
    #[token(">>")]
    RightShift,
    #[token("&")]
    Amper,
    #[token("|")]
    Vbar,
    #[token("^")]
    Circumflex,
    #[token("~")]
    Tilde,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token("<=")]
    LessEqual,
    #[token(">=")]
    GreaterEqual,
    #[token("==")]
    EqEqual,
    #[token("!=")]
    NotEqual,
    #[token("->")]
    Arrow,
    #[token(":=")]
    ColonEqual,
    #[token(".")]
    Dot,
    #[token("...")]
    Ellipsis,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("=")]
    Equal,
    #[token("+=")]
    PlusEqual,
    #[token("-=")]
    MinusEqual,
    #[token("*=")]
    StarEqual,
    #[token("/=")]
    SlashEqual,
    #[token("//=")]
    DoubleSlashEqual,
    #[token("%=")]
    PercentEqual,
    #[token("@=")]
    AtEqual,
    #[token("&=")]
    AmperEqual,
    #[token("|=")]
    VbarEqual,
    #[token("^=")]
    CircumflexEqual,
    #[token("<<=")]
    LeftShiftEqual,
    #[token(">>=")]
    RightShiftEqual,
    #[token("**=")]
    DoubleStarEqual,
}

/// Where a string literal's scan ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrEnd {
    /// False when the text ran out (or, for a one-line string, the line ended)
    /// before the closing quote.
    pub terminated: bool,
}

/// Scans a string body after its prefix and opening quote. A backslash always
/// protects the next character from ending the string, raw strings included,
/// as in Python.
fn lex_string(lex: &mut Lexer<RawToken>) -> StrEnd {
    let quote = lex.slice().as_bytes()[lex.slice().len() - 1];
    let rest = lex.remainder().as_bytes();
    let triple = rest.len() >= 2 && rest[0] == quote && rest[1] == quote;
    let mut i = if triple { 2 } else { 0 };
    while i < rest.len() {
        match rest[i] {
            b'\\' => i += 2,
            b'\n' | b'\r' if !triple => break,
            c if c == quote => {
                if !triple {
                    lex.bump(i + 1);
                    return StrEnd { terminated: true };
                }
                if rest[i..].starts_with(&[quote, quote, quote]) {
                    lex.bump(i + 3);
                    return StrEnd { terminated: true };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    // Unterminated: a one-line string stops before the line break, so the
    // layout still sees the newline; a triple-quoted one takes the rest.
    let end = i.min(rest.len());
    lex.bump(end);
    StrEnd { terminated: false }
}

/// A token as the parser reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Name(Symbol),
    Int(IntLit),
    Float(f64),
    Imag(f64),
    Str(StrLit),
    /// A keyword or punctuation token; the raw kind says which.
    Fixed(RawToken),
    Newline,
    Indent,
    Dedent,
    /// Text the lexer already reported; the parser's error there is dropped.
    Error,
    /// Marker in front of the stream: parse a whole module.
    StartModule,
    /// Marker in front of the stream: parse one expression (f-string fields).
    StartExpression,
}

/// A decoded string literal.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub kind: StrKind,
    /// For plain strings and bytes: the decoded value.
    pub value: Symbol,
    /// For f-strings: literal pieces and parsed replacement fields.
    pub parts: Vec<FStringPart>,
}

/// A token with its global byte span, in the form LALRPOP consumes.
pub type Spanned = (u32, Token, u32);
