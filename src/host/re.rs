//! The native part of Python's `re` (`_re`): a pattern, translated from
//! Python's syntax where it differs, runs on `fancy-regex` (backreferences
//! and look-around, as Python's engine has them); `prelude/re.tsy` builds
//! `re`'s functions, `Pattern` and `Match` on it. Positions are Python's,
//! in characters.

use std::cell::RefCell;
use std::rc::Rc;

use super::builtins::builtin;
use super::call::Args;
use super::eval::{Eval, Host};
use super::ops;
use super::torch::namespace;
use super::value::{Dict, Value};
use crate::source::Span;

const IGNORECASE: i64 = 2;
const LOCALE: i64 = 4;
const MULTILINE: i64 = 8;
const DOTALL: i64 = 16;
const VERBOSE: i64 = 64;
const ASCII: i64 = 256;

pub(super) fn install(host: &mut Host<'_>) {
    let entries = vec![
        ("matches", builtin("matches", matches)),
        ("groups", builtin("groups", groups)),
        ("groupindex", builtin("groupindex", groupindex)),
    ];
    namespace(host, "_re", entries);
}

/// Python's pattern in fancy-regex's syntax: the flags inline, `$` outside
/// MULTILINE as Python's (the end, or before a final newline), `\Z` as
/// Python's (the very end).
fn translate(host: &Host<'_>, pattern: &str, flags: i64, span: Span) -> Eval<String> {
    if flags & (LOCALE | ASCII) != 0 {
        return host.unsupported("re.LOCALE and re.ASCII are not supported", span);
    }
    let mut out = String::new();
    let inline: String = [(IGNORECASE, 'i'), (MULTILINE, 'm'), (DOTALL, 's'), (VERBOSE, 'x')]
        .iter()
        .filter(|(flag, _)| flags & flag != 0)
        .map(|(_, c)| *c)
        .collect();
    if !inline.is_empty() {
        out.push_str(&format!("(?{inline})"));
    }
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str(r"\z"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // `[]...]` and `[^]...]`: a leading `]` is a member.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().expect("peeked"));
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '$' if !in_class && flags & MULTILINE == 0 => out.push_str(r"(?=\n?\z)"),
            _ => out.push(c),
        }
    }
    Ok(out)
}

fn compile(host: &Host<'_>, pattern: &str, flags: i64, span: Span) -> Eval<fancy_regex::Regex> {
    let translated = translate(host, pattern, flags, span)?;
    fancy_regex::Regex::new(&translated).or_else(|e| {
        host.unsupported(format!("the regular expression {pattern:?} is not supported by tsc's engine: {e}"), span)
    })
}

fn pattern_args(host: &Host<'_>, args: &Args, names: &[&str]) -> Eval<(String, i64, Vec<Option<Value>>)> {
    let slots = args.bind(host, "_re", names, names.len())?;
    let pattern = match &slots[0] {
        Some(Value::Str(s)) => s.to_string(),
        _ => return host.raise("TypeError", "first argument must be string or compiled pattern", args.span),
    };
    let flags = match &slots[1] {
        Some(Value::Int(i)) => *i,
        _ => 0,
    };
    Ok((pattern, flags, slots))
}

/// `_re.groups(pattern, flags)`: the number of groups.
fn groups(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (pattern, flags, _) = pattern_args(host, &args, &["pattern", "flags"])?;
    Ok(Value::Int(compile(host, &pattern, flags, args.span)?.captures_len() as i64 - 1))
}

/// `_re.groupindex(pattern, flags)`: name → group number.
fn groupindex(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (pattern, flags, _) = pattern_args(host, &args, &["pattern", "flags"])?;
    let regex = compile(host, &pattern, flags, args.span)?;
    let mut dict = Dict::default();
    for (i, name) in regex.capture_names().enumerate() {
        if let Some(name) = name {
            ops::dict_insert(host, &mut dict, Value::str(name), Value::Int(i as i64), args.span)?;
        }
    }
    Ok(Value::Dict(Rc::new(RefCell::new(dict))))
}

/// `_re.matches(pattern, flags, string, pos, endpos, mode)`: the matches
/// as lists of group spans (`(start, end)` in characters, or None for a
/// group that did not take part). Mode 0: every match, as finditer; 1: the
/// first; 2: one starting at `pos` (match); 3: one spanning pos..endpos
/// (fullmatch).
fn matches(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (pattern, flags, slots) = pattern_args(host, &args, &["pattern", "flags", "string", "pos", "endpos", "mode"])?;
    let text = match &slots[2] {
        Some(Value::Str(s)) => s.clone(),
        Some(other) => {
            return host.raise("TypeError", format!("expected string, got '{}'", other.type_name()), args.span);
        }
        None => unreachable!("required"),
    };
    let int = |v: &Option<Value>| if let Some(Value::Int(i)) = v { *i } else { 0 };
    let mode = int(&slots[5]);
    let regex = match mode {
        3 => compile(host, &format!("(?:{pattern})\\z"), flags, args.span)?,
        _ => compile(host, &pattern, flags, args.span)?,
    };
    // Character index ↔ byte offset.
    let offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
    let chars = offsets.len() as i64 - 1;
    let clamp = |i: i64| i.clamp(0, chars) as usize;
    let (pos, endpos) = (clamp(int(&slots[3])), clamp(int(&slots[4])));
    let haystack = &text[..offsets[endpos]];
    let char_of = |byte: usize| offsets.partition_point(|&b| b < byte) as i64;
    let mut out = Vec::new();
    let mut at = pos;
    while at <= endpos {
        let found = regex.captures_from_pos(haystack, offsets[at]).or_else(|e| {
            host.unsupported(format!("the regular expression {pattern:?} could not run: {e}"), args.span)
        })?;
        let Some(caps) = found else { break };
        let whole = caps.get(0).expect("group 0 is the match");
        let (start, end) = (char_of(whole.start()), char_of(whole.end()));
        if mode >= 2 && start as usize != pos {
            break;
        }
        let spans: Vec<Value> = (0..caps.len())
            .map(|i| match caps.get(i) {
                Some(m) => Value::tuple(vec![Value::Int(char_of(m.start())), Value::Int(char_of(m.end()))]),
                None => Value::None,
            })
            .collect();
        out.push(Value::list(spans));
        if mode != 0 {
            break;
        }
        // After an empty match the search moves on a character, as Python's.
        at = if start == end { end as usize + 1 } else { end as usize };
    }
    Ok(Value::list(out))
}
