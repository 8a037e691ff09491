//! Decoding of number and string literals, and splitting of f-strings into
//! literal pieces and replacement fields (whose expressions are parsed with
//! the same parser, at their true offsets).

use super::ast::{FStringField, FStringPart, IntLit, StrKind};
use super::intern::Interner;
use super::parser;
use super::token::{StrLit, Token};
use crate::diag::{Applicability, Code, Diagnostic};
use crate::source::Span;

/// Where a literal is decoded: the interner and the diagnostics sink.
pub(super) struct Cooker<'a> {
    pub interner: &'a mut Interner,
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Cooker<'_> {
    fn error(&mut self, diagnostic: Diagnostic) -> Token {
        self.diagnostics.push(diagnostic);
        Token::Error
    }

    /// An integer in any base; decimal literals may not have leading zeros.
    pub(super) fn int(&mut self, text: &str, span: Span) -> Token {
        let digits: String = text.chars().filter(|&c| c != '_').collect();
        let (radix, body) = match digits.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("0x") => (16, &digits[2..]),
            Some("0o") => (8, &digits[2..]),
            Some("0b") => (2, &digits[2..]),
            _ => (10, &digits[..]),
        };
        if radix == 10 && body.len() > 1 && body.starts_with('0') && body.bytes().any(|b| b != b'0') {
            let octal = format!("0o{}", body.trim_start_matches('0'));
            return self.error(
                Diagnostic::new(Code::E1010, span, "leading zeros in decimal integer literals are not permitted")
                    .label("invalid decimal literal")
                    .suggest("for an octal integer, use an `0o` prefix", span, octal, Applicability::MaybeIncorrect),
            );
        }
        match u64::from_str_radix(body, radix) {
            Ok(value) => Token::Int(IntLit::Small(value)),
            // The regexes only admit digits of the radix, so this is overflow.
            Err(_) => Token::Int(IntLit::Big(self.interner.intern(text))),
        }
    }

    pub(super) fn float(&mut self, text: &str) -> Token {
        Token::Float(parse_float(text))
    }

    pub(super) fn imag(&mut self, text: &str) -> Token {
        Token::Imag(parse_float(&text[..text.len() - 1]))
    }

    pub(super) fn bad_number(&mut self, text: &str, span: Span) -> Token {
        let what = if text.contains("__") || text.ends_with('_') {
            "invalid underscore placement in numeric literal"
        } else {
            "invalid numeric literal"
        };
        self.error(Diagnostic::new(Code::E1010, span, format!("{what} `{text}`")).label(what))
    }

    /// A string, bytes or f-string literal: `text` runs from the prefix to
    /// the closing quote.
    pub(super) fn string(&mut self, text: &str, span: Span, terminated: bool) -> Token {
        let quote_at = text.find(['"', '\'']).expect("the string regex starts with a prefix and a quote");
        let prefix = &text[..quote_at];
        let quote = &text[quote_at..quote_at + 1];
        let triple = text[quote_at..].starts_with(&quote.repeat(3));
        let open = quote_at + if triple { 3 } else { 1 };
        if !terminated {
            let opener = Span::new(span.start + quote_at as u32, span.start + open as u32);
            let what = if triple { "triple-quoted string" } else { "string" };
            return self.error(
                Diagnostic::new(Code::E1008, opener, format!("unterminated {what} literal"))
                    .label("this string is never closed")
                    .help(format!("close it with `{}`", &text[quote_at..open])),
            );
        }
        let lower = prefix.to_ascii_lowercase();
        let (raw, kind) = match lower.as_str() {
            "" | "u" => (false, StrKind::Str),
            "r" => (true, StrKind::Str),
            "b" => (false, StrKind::Bytes),
            "br" | "rb" => (true, StrKind::Bytes),
            "f" => (false, StrKind::FString),
            "fr" | "rf" => (true, StrKind::FString),
            _ => {
                let prefix_span = Span::new(span.start, span.start + quote_at as u32);
                return self.error(
                    Diagnostic::new(Code::E1001, prefix_span, format!("invalid string prefix `{prefix}`"))
                        .label("not a string prefix")
                        .note("valid prefixes combine `r` with one of `b` or `f`, or are a single `u`"),
                );
            }
        };
        let body = &text[open..text.len() - (open - quote_at)];
        let body_start = span.start + open as u32;
        // Python reads source with universal newlines: a CRLF inside a
        // triple-quoted string is a `\n` in its value. (F-strings keep their
        // text so replacement-field offsets stay exact.)
        let normalized;
        let body = if body.contains('\r') && kind != StrKind::FString {
            normalized = body.replace("\r\n", "\n").replace('\r', "\n");
            normalized.as_str()
        } else {
            body
        };
        match kind {
            StrKind::FString => {
                let parts = self.fstring(body, body_start, raw, triple);
                Token::Str(StrLit { kind, value: self.interner.intern(""), parts })
            }
            StrKind::Bytes => {
                let value = if raw { body.to_string() } else { unescape(body, true) };
                // Escapes may name any byte; the text itself must be ASCII.
                let literal_text = if raw { body.to_string() } else { without_escapes(body) };
                if !literal_text.is_ascii() {
                    return self.error(
                        Diagnostic::new(Code::E1001, span, "bytes can only contain ASCII literal characters")
                            .label("non-ASCII character in a bytes literal")
                            .help("write the byte as an escape, such as `\\xe9`"),
                    );
                }
                Token::Str(StrLit { kind, value: self.interner.intern(&value), parts: Vec::new() })
            }
            StrKind::Str => {
                let value = if raw { body.to_string() } else { unescape(body, false) };
                Token::Str(StrLit { kind, value: self.interner.intern(&value), parts: Vec::new() })
            }
        }
    }

    /// Splits an f-string body into literal pieces and fields.
    fn fstring(&mut self, body: &str, base: u32, raw: bool, triple: bool) -> Vec<FStringPart> {
        let mut parts = Vec::new();
        let mut scanner = FStringScanner { body, base, raw, triple, pos: 0 };
        scanner.parts(self, &mut parts, false);
        parts
    }
}

struct FStringScanner<'s> {
    body: &'s str,
    base: u32,
    raw: bool,
    triple: bool,
    pos: usize,
}

impl FStringScanner<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start as u32, self.base + end as u32)
    }

    /// Literal text and fields up to the end, or (in a format spec) up to the
    /// `}` that closes the enclosing field.
    fn parts(&mut self, cooker: &mut Cooker<'_>, parts: &mut Vec<FStringPart>, in_spec: bool) {
        let bytes = self.body.as_bytes();
        let mut literal = String::new();
        let mut literal_start = self.pos;
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'{' if bytes.get(self.pos + 1) == Some(&b'{') && !in_spec => {
                    literal.push('{');
                    self.pos += 2;
                }
                b'}' if bytes.get(self.pos + 1) == Some(&b'}') && !in_spec => {
                    literal.push('}');
                    self.pos += 2;
                }
                b'{' => {
                    self.flush(cooker, parts, &mut literal, literal_start);
                    if let Some(field) = self.field(cooker) {
                        parts.push(FStringPart::Field(Box::new(field)));
                    }
                    literal_start = self.pos;
                }
                b'}' if in_spec => break,
                b'}' => {
                    cooker.diagnostics.push(
                        Diagnostic::new(
                            Code::E1011,
                            self.span(self.pos, self.pos + 1),
                            "f-string: single `}` is not allowed",
                        )
                        .label("unmatched `}`")
                        .help("write `}}` for a literal `}`"),
                    );
                    self.pos += 1;
                }
                _ => {
                    let next = self.body[self.pos..].find(['{', '}']).map_or(bytes.len(), |i| self.pos + i);
                    let piece = &self.body[self.pos..next];
                    if self.raw {
                        literal.push_str(piece);
                    } else {
                        literal.push_str(&unescape(piece, false));
                    }
                    self.pos = next;
                }
            }
        }
        self.flush(cooker, parts, &mut literal, literal_start);
    }

    fn flush(&self, cooker: &mut Cooker<'_>, parts: &mut Vec<FStringPart>, literal: &mut String, _start: usize) {
        if !literal.is_empty() {
            parts.push(FStringPart::Literal(cooker.interner.intern(literal)));
            literal.clear();
        }
    }

    /// One `{expression=!c:spec}` field; `pos` is at its `{`.
    fn field(&mut self, cooker: &mut Cooker<'_>) -> Option<FStringField> {
        let open = self.pos;
        let bytes = self.body.as_bytes();
        let expr_start = open + 1;
        let mut depth = 0usize;
        let mut i = expr_start;
        let mut quote: Option<u8> = None;
        // Find where the expression ends: a top-level `}`, `!` (not `!=`),
        // `:` or a debugging `=`.
        let expr_end = loop {
            let Some(&c) = bytes.get(i) else {
                cooker.diagnostics.push(
                    Diagnostic::new(Code::E1011, self.span(open, open + 1), "f-string: expecting `}`")
                        .label("this field is never closed"),
                );
                self.pos = bytes.len();
                return None;
            };
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                b'}' if depth > 0 => depth -= 1,
                b'}' => break i,
                b'!' if depth == 0 && bytes.get(i + 1) != Some(&b'=') => break i,
                b':' if depth == 0 => break i,
                b'=' if depth == 0
                    && !matches!(bytes.get(i + 1), Some(b'='))
                    && !matches!(bytes.get(i.wrapping_sub(1)), Some(b'=' | b'!' | b'<' | b'>')) =>
                {
                    break i;
                }
                _ => {}
            }
            i += 1;
        };
        let source = &self.body[expr_start..expr_end];
        if source.trim().is_empty() {
            cooker.diagnostics.push(
                Diagnostic::new(Code::E1011, self.span(open, expr_end + 1), "f-string: empty expression not allowed")
                    .label("expected an expression between the braces")
                    .help("write `{{` and `}}` for literal braces"),
            );
        }
        let value = if source.trim().is_empty() {
            super::ast::Expr::new(super::ast::ExprKind::Error, self.span(expr_start, expr_end))
        } else {
            let _ = self.triple;
            parser::parse_expression(source, self.base + expr_start as u32, cooker.interner, cooker.diagnostics)
        };
        i = expr_end;
        let mut debug = None;
        if bytes.get(i) == Some(&b'=') {
            debug = Some(cooker.interner.intern(&self.body[expr_start..=i]));
            i += 1;
        }
        let mut conversion = None;
        if bytes.get(i) == Some(&b'!') {
            let c = self.body[i + 1..].chars().next();
            match c {
                Some(c @ ('r' | 's' | 'a')) => conversion = Some(c),
                _ => cooker.diagnostics.push(
                    Diagnostic::new(
                        Code::E1011,
                        self.span(i, (i + 2).min(bytes.len())),
                        "f-string: invalid conversion character",
                    )
                    .label("expected `r`, `s` or `a` after `!`"),
                ),
            }
            i += 1 + c.map_or(0, char::len_utf8);
        }
        let mut spec = Vec::new();
        if bytes.get(i) == Some(&b':') {
            self.pos = i + 1;
            self.parts(cooker, &mut spec, true);
            i = self.pos;
        }
        if bytes.get(i) != Some(&b'}') {
            cooker.diagnostics.push(
                Diagnostic::new(Code::E1011, self.span(open, open + 1), "f-string: expecting `}`")
                    .label("this field is never closed"),
            );
            self.pos = bytes.len();
            return None;
        }
        self.pos = i + 1;
        Some(FStringField { value, debug, conversion, spec, span: self.span(open, i + 1) })
    }
}

fn parse_float(text: &str) -> f64 {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    // The regexes admit only well-formed floats, which Rust parses the same way.
    clean.parse().unwrap_or(f64::NAN)
}

/// Decodes backslash escapes. Unknown escapes keep their backslash, as Python
/// does; `\N{...}` is kept verbatim (no Unicode name table is bundled).
/// For bytes, `\xhh` and octal escapes give the byte as a Latin-1 character.
fn unescape(body: &str, bytes: bool) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0C'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0B'),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{FFFD}'));
            }
            'x' => push_hex(&mut out, &mut chars, 2, 'x'),
            'u' if !bytes => push_hex(&mut out, &mut chars, 4, 'u'),
            'U' if !bytes => push_hex(&mut out, &mut chars, 8, 'U'),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn push_hex(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>, len: usize, letter: char) {
    let digits: String = chars.clone().take(len).take_while(char::is_ascii_hexdigit).collect();
    if digits.len() == len {
        for _ in 0..len {
            chars.next();
        }
        if let Some(c) = u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32) {
            out.push(c);
            return;
        }
    }
    out.push('\\');
    out.push(letter);
}

/// The characters of a literal body that are not part of an escape, to tell
/// a literal `é` (an error in bytes) from an escaped `\xe9` (a byte).
fn without_escapes(body: &str) -> String {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_like_python() {
        assert_eq!(unescape(r"a\tb\n\x41\101\u00e9\q", false), "a\tb\nAAé\\q");
        assert_eq!(unescape("line\\\ncontinued", false), "linecontinued");
        assert_eq!(unescape(r"\xe9", true), "\u{e9}");
    }

    #[test]
    fn floats_drop_underscores() {
        assert_eq!(parse_float("1_000.5"), 1000.5);
        assert_eq!(parse_float("1e-5"), 1e-5);
        assert_eq!(parse_float(".5"), 0.5);
        assert_eq!(parse_float("5."), 5.0);
    }
}
