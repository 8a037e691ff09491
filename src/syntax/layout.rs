//! Layout: turns logos' raw tokens into the parser's stream, adding NEWLINE,
//! INDENT and DEDENT, joining lines inside brackets, and cooking literals.
//!
//! It never fails towards the parser: bad text becomes a [`Token::Error`] plus
//! a diagnostic, and the parser drops its own error at that token.

use logos::Logos;

use super::intern::{Interner, Symbol};
use super::literal::Cooker;
use super::token::{RawToken, Spanned, Token};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;

/// A `# type: ...` comment, kept for the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeComment {
    pub span: Span,
    /// The text after `type:`, trimmed.
    pub text: Symbol,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Spanned>,
    pub type_comments: Vec<TypeComment>,
    /// From each never-closed bracket to where the layout gave up on it: the
    /// parser's errors inside are consequences, already reported.
    pub unclosed: Vec<Span>,
    /// Where the layout stopped because brackets or blocks nested deeper
    /// than Python allows (reported): the parser's errors from there on
    /// are consequences.
    pub stopped: Option<Span>,
}

/// How deep brackets may nest, and blocks be indented: CPython's tokenizer
/// limits (`MAXLEVEL`, `MAXINDENT`), so tsc reads what Python reads and
/// no later phase meets deeper statements or bracketed expressions.
const MAX_BRACKETS: usize = 200;
const MAX_INDENTS: usize = 100;

/// What the token stream is for: a whole file, or one expression (an
/// f-string field, lexed as if inside parentheses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Module,
    Expression,
}

/// The width of an indentation, measured with tabs to the next multiple of 8
/// and with tabs as 1 column: when the two orders disagree, the meaning
/// depends on the tab size, which is an error (Python's `TabError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Indentation {
    tab8: u32,
    tab1: u32,
}

impl Indentation {
    fn measure(whitespace: &str) -> Indentation {
        let (mut tab8, mut tab1) = (0, 0);
        for c in whitespace.chars() {
            match c {
                '\t' => {
                    tab8 = (tab8 / 8 + 1) * 8;
                    tab1 += 1;
                }
                '\x0C' => (tab8, tab1) = (0, 0),
                _ => {
                    tab8 += 1;
                    tab1 += 1;
                }
            }
        }
        Indentation { tab8, tab1 }
    }
}

struct Bracket {
    raw: RawToken,
    span: Span,
    /// Indentation of the line the bracket was opened on.
    line_indent: u32,
}

/// Keywords that can only start a statement: one of them first on a line
/// inside an open bracket means the bracket was never closed.
fn starts_statement_only(raw: RawToken) -> bool {
    use RawToken::*;
    matches!(
        raw,
        Def | Class
            | Return
            | Import
            | Pass
            | Break
            | Continue
            | Raise
            | Global
            | Nonlocal
            | Del
            | Assert
            | While
            | With
            | Try
            | Except
            | Finally
            | Elif
    )
}

fn closer_of(raw: RawToken) -> Option<RawToken> {
    match raw {
        RawToken::LParen => Some(RawToken::RParen),
        RawToken::LBracket => Some(RawToken::RBracket),
        RawToken::LBrace => Some(RawToken::RBrace),
        _ => None,
    }
}

struct Layout<'t, 'c> {
    text: &'t str,
    base: u32,
    cooker: Cooker<'c>,
    out: Lexed,
    indents: Vec<Indentation>,
    brackets: Vec<Bracket>,
    /// No token yet on the current logical line (so the next one is measured).
    at_line_start: bool,
    /// File-local offset where the current physical line starts.
    line_start: usize,
    /// Inside brackets: a line break was just skipped.
    after_joined_break: bool,
    /// The previous token was a lexing error (consecutive ones merge).
    last_invalid: Option<usize>,
    mode: Mode,
}

/// Lexes `text`, whose first byte sits at global offset `base`.
pub fn lex(text: &str, base: u32, mode: Mode, interner: &mut Interner, diagnostics: &mut Vec<Diagnostic>) -> Lexed {
    let mut layout = Layout {
        text,
        base,
        cooker: Cooker { interner, diagnostics },
        out: Lexed::default(),
        indents: vec![Indentation { tab8: 0, tab1: 0 }],
        brackets: Vec::new(),
        at_line_start: mode == Mode::Module,
        line_start: 0,
        after_joined_break: false,
        last_invalid: None,
        mode,
    };
    let start = match mode {
        Mode::Module => Token::StartModule,
        Mode::Expression => Token::StartExpression,
    };
    layout.out.tokens.push((base, start, base));
    if mode == Mode::Expression {
        // An f-string field is implicitly parenthesized: line breaks join.
        layout.brackets.push(Bracket { raw: RawToken::LParen, span: Span::point(base), line_indent: 0 });
    }
    let mut raw_tokens = RawToken::lexer(text);
    while let Some(result) = raw_tokens.next() {
        if layout.out.stopped.is_some() {
            break;
        }
        let range = raw_tokens.span();
        match result {
            Ok(raw) => layout.token(raw, range),
            Err(()) => layout.invalid(range),
        }
    }
    layout.finish(mode);
    layout.out
}

impl Layout<'_, '_> {
    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.base + range.start as u32, self.base + range.end as u32)
    }

    fn push(&mut self, span: Span, token: Token) {
        self.out.tokens.push((span.start, token, span.end));
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.cooker.diagnostics.push(diagnostic);
    }

    fn token(&mut self, raw: RawToken, range: std::ops::Range<usize>) {
        let span = self.span(range.clone());
        self.last_invalid = None;
        match raw {
            RawToken::Newline => {
                self.line_start = range.end;
                if !self.brackets.is_empty() {
                    self.after_joined_break = true;
                } else if !self.at_line_start {
                    self.push(span, Token::Newline);
                    self.at_line_start = true;
                }
                return;
            }
            RawToken::Comment => {
                self.type_comment(&self.text[range], span);
                return;
            }
            _ => {}
        }
        if self.after_joined_break {
            self.after_joined_break = false;
            self.check_unclosed_before(raw, range.start);
        }
        if self.at_line_start {
            self.at_line_start = false;
            self.indent(range.start);
            if self.out.stopped.is_some() {
                return;
            }
        }
        let text = &self.text[range];
        let token = match raw {
            RawToken::Name => Token::Name(self.cooker.interner.intern(text)),
            RawToken::Int => self.cooker.int(text, span),
            RawToken::Float => self.cooker.float(text),
            RawToken::Imag => self.cooker.imag(text),
            RawToken::BadNumber => self.cooker.bad_number(text, span),
            RawToken::Str(end) => self.cooker.string(text, span, end.terminated),
            RawToken::LParen | RawToken::LBracket | RawToken::LBrace => {
                // An f-string field sits in an implicit bracket of its own.
                let implicit = usize::from(self.mode == Mode::Expression);
                if self.brackets.len() - implicit >= MAX_BRACKETS {
                    self.report(
                        Diagnostic::new(Code::E1015, span, "too many nested parentheses")
                            .label(format!("this bracket opens level {}", MAX_BRACKETS + 1))
                            .note(format!("Python allows brackets nested {MAX_BRACKETS} deep"))
                            .help("name the inner parts with variables"),
                    );
                    self.stop(span);
                    return;
                }
                let line_indent = self.indents.last().map_or(0, |i| i.tab8);
                self.brackets.push(Bracket { raw, span, line_indent });
                Token::Fixed(raw)
            }
            RawToken::RParen | RawToken::RBracket | RawToken::RBrace => self.close(raw, span),
            _ => Token::Fixed(raw),
        };
        self.push(span, token);
    }

    fn type_comment(&mut self, comment: &str, span: Span) {
        let body = comment[1..].trim_start();
        if let Some(rest) = body.strip_prefix("type:") {
            let text = self.cooker.interner.intern(rest.trim());
            self.out.type_comments.push(TypeComment { span, text });
        }
    }

    /// Measures the indentation of a logical line's first token at `at`.
    fn indent(&mut self, at: usize) {
        let whitespace = &self.text[self.line_start..at];
        let mut current = Indentation::measure(whitespace);
        let top = *self.indents.last().expect("the indentation stack always holds the base level");
        let ws_span = self.span(self.line_start..at);
        if (current.tab8 > top.tab8) != (current.tab1 > top.tab1)
            || (current.tab8 == top.tab8) != (current.tab1 == top.tab1)
        {
            self.report(
                Diagnostic::new(Code::E1004, ws_span, "inconsistent use of tabs and spaces in indentation")
                    .label("this indentation mixes tabs and spaces")
                    .note("its depth compared with the enclosing block depends on the width of a tab")
                    .help("indent with spaces only"),
            );
            // Go on with 8-column tabs, so one mixed line is one error.
            current.tab1 = current.tab8;
        }
        if current.tab8 > top.tab8 {
            if self.indents.len() >= MAX_INDENTS {
                self.report(
                    Diagnostic::new(Code::E1015, ws_span, "too many levels of indentation")
                        .label(format!("this line opens block level {MAX_INDENTS}"))
                        .note(format!("Python allows blocks nested {} deep", MAX_INDENTS - 1))
                        .help("move the inner blocks into a function"),
                );
                self.stop(ws_span);
                return;
            }
            self.indents.push(current);
            self.push(ws_span, Token::Indent);
            return;
        }
        let point = self.span(at..at);
        while let [.., outer, inner] = self.indents[..] {
            if inner.tab8 <= current.tab8 {
                break;
            }
            if outer.tab8 < current.tab8 {
                // Between two levels: report it, and keep the line in the
                // inner block (its statements stay in the same scope).
                self.report(
                    Diagnostic::new(Code::E1003, ws_span, "unindent does not match any outer indentation level")
                        .label(format!("this line is indented by {} columns", current.tab8))
                        .note(format!("the enclosing blocks are indented by {} and {} columns", outer.tab8, inner.tab8))
                        .help("indent the line as deep as the block it belongs to"),
                );
                return;
            }
            self.indents.pop();
            self.push(point, Token::Dedent);
        }
    }

    fn close(&mut self, raw: RawToken, span: Span) -> Token {
        let Some(top) = self.brackets.last() else {
            let text = self.slice(span).to_string();
            self.report(
                Diagnostic::new(Code::E1007, span, format!("unmatched closing delimiter `{text}`"))
                    .label("no open bracket to close here"),
            );
            return Token::Error;
        };
        if closer_of(top.raw) == Some(raw) {
            self.brackets.pop();
            return Token::Fixed(raw);
        }
        // A wrong closer most likely closes the innermost bracket, unless it
        // matches one further out, which then closes everything inside it.
        let (text, top_text) = (self.slice(span).to_string(), self.slice(top.span).to_string());
        let diagnostic = Diagnostic::new(Code::E1007, span, format!("mismatched closing delimiter `{text}`"))
            .label(format!("expected `{}` to close `{top_text}`", closing_text(top.raw)))
            .secondary(top.span, "unclosed delimiter");
        self.report(diagnostic);
        let keep = self.brackets.iter().rposition(|b| closer_of(b.raw) == Some(raw)).unwrap_or(self.brackets.len() - 1);
        self.brackets.truncate(keep);
        Token::Error
    }

    fn slice(&self, span: Span) -> &str {
        &self.text[(span.start - self.base) as usize..(span.end - self.base) as usize]
    }

    /// A statement keyword at or left of the line that opened the outermost
    /// bracket means the brackets were never closed: report them and start a
    /// new logical line, so the rest of the file still parses.
    fn check_unclosed_before(&mut self, raw: RawToken, at: usize) {
        let Some(outermost) = self.brackets.first() else {
            return;
        };
        if !starts_statement_only(raw) || self.mode == Mode::Expression {
            return;
        }
        let column = Indentation::measure(&self.text[self.line_start..at]).tab8;
        if column > outermost.line_indent {
            return;
        }
        // The new logical line starts where this line does, or at the keyword
        // if something on the line was already emitted (an invalid character).
        let mut break_at = self.span(self.line_start..self.line_start);
        if self.out.tokens.last().is_some_and(|&(start, _, _)| start > break_at.start) {
            break_at = self.span(at..at);
        }
        self.report_unclosed(break_at.start);
        self.push(break_at, Token::Error);
        self.push(break_at, Token::Newline);
        self.at_line_start = true;
    }

    fn report_unclosed(&mut self, end: u32) {
        let brackets = std::mem::take(&mut self.brackets);
        let Some((innermost, outer)) = brackets.split_last() else {
            return;
        };
        self.out.unclosed.push(Span::new(brackets[0].span.start, end));
        let text = self.slice(innermost.span).to_string();
        let mut diagnostic = Diagnostic::new(Code::E1006, innermost.span, format!("`{text}` was never closed"))
            .label("unclosed delimiter")
            .help(format!("add `{}` where the bracketed part ends", closing_text(innermost.raw)));
        for bracket in outer.iter().rev() {
            diagnostic = diagnostic.secondary(bracket.span, "also unclosed");
        }
        self.report(diagnostic);
    }

    fn invalid(&mut self, range: std::ops::Range<usize>) {
        if self.last_invalid == Some(range.start) {
            // Extend the previous diagnostic rather than report each byte.
            if let Some(last) = self.cooker.diagnostics.last_mut() {
                last.primary.span.end = self.base + range.end as u32;
            }
            if let Some(last) = self.out.tokens.last_mut() {
                last.2 = self.base + range.end as u32;
            }
            self.last_invalid = Some(range.end);
            return;
        }
        if self.at_line_start {
            self.at_line_start = false;
            self.indent(range.start);
            if self.out.stopped.is_some() {
                return;
            }
        }
        let span = self.span(range.clone());
        let text = &self.text[range.clone()];
        let c = text.chars().next().unwrap_or('?');
        let message = if c.is_whitespace() || c.is_control() {
            format!("invalid non-printable character U+{:04X}", c as u32)
        } else {
            format!("invalid character `{c}` (U+{:04X})", c as u32)
        };
        let mut diagnostic = Diagnostic::new(Code::E1009, span, message).label("not valid in Python source");
        if c == '\\' {
            diagnostic =
                diagnostic.note("a backslash outside a string only continues a line when a line break follows it");
        }
        self.report(diagnostic);
        self.push(span, Token::Error);
        self.last_invalid = Some(range.end);
    }

    /// Gives up on the rest of the text at `at`: the statement there ends,
    /// and its brackets and blocks with it, without further reports.
    fn stop(&mut self, at: Span) {
        self.out.stopped = Some(at);
        self.brackets.clear();
        self.at_line_start = false;
    }

    fn finish(&mut self, mode: Mode) {
        let end = self.span(self.text.len()..self.text.len());
        if mode == Mode::Expression {
            return;
        }
        if !self.brackets.is_empty() {
            self.report_unclosed(end.start);
            self.push(end, Token::Error);
        }
        if !self.at_line_start {
            self.push(end, Token::Newline);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(end, Token::Dedent);
        }
    }
}

fn closing_text(opener: RawToken) -> &'static str {
    match opener {
        RawToken::LParen => ")",
        RawToken::LBracket => "]",
        _ => "}",
    }
}
