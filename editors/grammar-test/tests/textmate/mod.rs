//! A small TextMate tokenizer: the part of what vscode-textmate does that
//! `editors/dyn.tmLanguage.json` relies on.
//!
//! Supported: `match` rules with `captures`; `begin`/`end` rules with
//! `beginCaptures`, `endCaptures` (or `captures` for both), `name`,
//! `contentName` and `patterns`; `include` of `#repository` rules, `$self`
//! and `$base`; groups of `patterns`. Anything else in the grammar (`while`,
//! back-references in `end`, `\G`, capture `patterns`, injections, ...) is
//! refused when the grammar is loaded, so the tests cannot pass on a grammar
//! this tokenizer would read differently from an editor.
//!
//! Semantics follow vscode-textmate: each line is matched with a `\n`
//! appended; at each position, the `end` of the innermost open rule and its
//! patterns (includes expanded, in order) are searched, and the match that
//! starts first wins, the `end` and then the earlier pattern winning ties.
//! Regexes run on fancy-regex with `(?m)`, which gives `^` and `$`
//! Oniguruma's line meaning; lookbehind can see the text before the search
//! position, as in Oniguruma.

use fancy_regex::Regex;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

type RuleId = usize;

/// Scopes given to numbered capture groups, sorted by group number (so an
/// enclosing group comes before the groups inside it).
type CaptureScopes = Vec<(usize, Vec<String>)>;

enum Rule {
    Match {
        regex: Regex,
        name: Vec<String>,
        captures: CaptureScopes,
    },
    BeginEnd {
        begin: Regex,
        end: Regex,
        name: Vec<String>,
        content_name: Vec<String>,
        begin_captures: CaptureScopes,
        end_captures: CaptureScopes,
        patterns: Vec<RuleId>,
    },
    Include(String),
    Group(Vec<RuleId>),
}

pub struct Grammar {
    scope_name: String,
    rules: Vec<Rule>,
    root: RuleId,
    repository: HashMap<String, RuleId>,
    /// For the root and every begin/end rule: its patterns with includes
    /// expanded, as a list of match and begin/end rules.
    expanded: HashMap<RuleId, Vec<RuleId>>,
}

/// One token of a line: a byte range and its scopes, outermost first (the
/// grammar's `scopeName` is always the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub scopes: Vec<String>,
}

const GRAMMAR_KEYS: &[&str] = &[
    "$schema",
    "name",
    "scopeName",
    "fileTypes",
    "patterns",
    "repository",
    "comment",
];
const RULE_KEYS: &[&str] = &[
    "comment",
    "name",
    "contentName",
    "match",
    "begin",
    "end",
    "captures",
    "beginCaptures",
    "endCaptures",
    "patterns",
    "include",
];

impl Grammar {
    /// Loads and checks a grammar; every error names the rule it is in.
    pub fn from_json(text: &str) -> Result<Grammar, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let object = json.as_object().ok_or("the grammar is not a JSON object")?;
        for key in object.keys() {
            if !GRAMMAR_KEYS.contains(&key.as_str()) {
                return Err(format!("unsupported top-level key `{key}`"));
            }
        }
        let scope_name = object
            .get("scopeName")
            .and_then(Value::as_str)
            .ok_or("no `scopeName`")?
            .to_string();
        let mut grammar = Grammar {
            scope_name,
            rules: Vec::new(),
            root: 0,
            repository: HashMap::new(),
            expanded: HashMap::new(),
        };
        if let Some(repository) = object.get("repository") {
            let repository = repository.as_object().ok_or("`repository` is not an object")?;
            for (key, rule) in repository {
                let id = grammar.compile(rule, &format!("#{key}"))?;
                grammar.repository.insert(key.clone(), id);
            }
        }
        let patterns = grammar.compile_patterns(object, "(top level)")?;
        grammar.root = grammar.push(Rule::Group(patterns));

        for id in 0..grammar.rules.len() {
            if let Rule::Include(target) = &grammar.rules[id] {
                grammar.resolve(target)?;
            }
        }
        let mut owners = vec![grammar.root];
        owners.extend((0..grammar.rules.len()).filter(|&id| matches!(grammar.rules[id], Rule::BeginEnd { .. })));
        for id in owners {
            let patterns = match &grammar.rules[id] {
                Rule::Group(patterns) | Rule::BeginEnd { patterns, .. } => patterns.clone(),
                _ => unreachable!(),
            };
            let mut out = Vec::new();
            grammar.expand(&patterns, &mut out, &mut HashSet::new());
            grammar.expanded.insert(id, out);
        }
        Ok(grammar)
    }

    pub fn scope_name(&self) -> &str {
        &self.scope_name
    }

    /// The repository rules no pattern reaches from the top level.
    pub fn unreachable_repository_rules(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut todo = vec![self.root];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            match &self.rules[id] {
                Rule::Group(patterns) | Rule::BeginEnd { patterns, .. } => todo.extend(patterns),
                Rule::Include(target) => todo.push(self.resolve(target).expect("checked when loaded")),
                Rule::Match { .. } => {}
            }
        }
        let mut unused: Vec<String> = self
            .repository
            .iter()
            .filter(|(_, id)| !seen.contains(*id))
            .map(|(key, _)| key.clone())
            .collect();
        unused.sort();
        unused
    }

    fn push(&mut self, rule: Rule) -> RuleId {
        self.rules.push(rule);
        self.rules.len() - 1
    }

    fn resolve(&self, target: &str) -> Result<RuleId, String> {
        match target {
            "$self" | "$base" => Ok(self.root),
            _ => target
                .strip_prefix('#')
                .and_then(|key| self.repository.get(key).copied())
                .ok_or_else(|| format!("`include` of `{target}`, which is not in the repository")),
        }
    }

    fn expand(&self, patterns: &[RuleId], out: &mut Vec<RuleId>, visiting: &mut HashSet<RuleId>) {
        for &id in patterns {
            match &self.rules[id] {
                Rule::Match { .. } | Rule::BeginEnd { .. } => out.push(id),
                Rule::Group(inner) => {
                    if visiting.insert(id) {
                        self.expand(inner, out, visiting);
                        visiting.remove(&id);
                    }
                }
                Rule::Include(target) => {
                    let target = self.resolve(target).expect("checked when loaded");
                    self.expand(&[target], out, visiting);
                }
            }
        }
    }

    fn compile_patterns(&mut self, object: &Map<String, Value>, path: &str) -> Result<Vec<RuleId>, String> {
        let Some(patterns) = object.get("patterns") else {
            return Ok(Vec::new());
        };
        let patterns = patterns
            .as_array()
            .ok_or_else(|| format!("{path}: `patterns` is not an array"))?;
        patterns
            .iter()
            .enumerate()
            .map(|(i, rule)| self.compile(rule, &format!("{path}/patterns[{i}]")))
            .collect()
    }

    fn compile(&mut self, rule: &Value, path: &str) -> Result<RuleId, String> {
        let object = rule
            .as_object()
            .ok_or_else(|| format!("{path}: a rule is not an object"))?;
        for key in object.keys() {
            if !RULE_KEYS.contains(&key.as_str()) {
                return Err(format!("{path}: unsupported key `{key}`"));
            }
        }
        let has = |key: &str| object.contains_key(key);
        let string = |key: &str| -> Result<Option<&str>, String> {
            match object.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(format!("{path}: `{key}` is not a string")),
            }
        };
        let scopes = |key: &str| -> Result<Vec<String>, String> {
            Ok(string(key)?
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default())
        };
        let only = |allowed: &[&str]| -> Result<(), String> {
            match object
                .keys()
                .find(|k| !allowed.contains(&k.as_str()) && k.as_str() != "comment")
            {
                Some(key) => Err(format!("{path}: `{key}` cannot be combined with this kind of rule")),
                None => Ok(()),
            }
        };

        if let Some(target) = string("include")? {
            only(&["include"])?;
            return Ok(self.push(Rule::Include(target.to_string())));
        }
        if let Some(source) = string("match")? {
            only(&["match", "name", "captures"])?;
            let rule = Rule::Match {
                regex: regex(source, path)?,
                name: scopes("name")?,
                captures: capture_scopes(object.get("captures"), path)?,
            };
            return Ok(self.push(rule));
        }
        if let Some(begin) = string("begin")? {
            let end = string("end")?.ok_or_else(|| format!("{path}: `begin` without `end`"))?;
            if has_back_reference(end) {
                return Err(format!("{path}: back-references in `end` are not supported"));
            }
            let both = capture_scopes(object.get("captures"), path)?;
            let begin_captures = match object.get("beginCaptures") {
                Some(c) => capture_scopes(Some(c), path)?,
                None => both.clone(),
            };
            let end_captures = match object.get("endCaptures") {
                Some(c) => capture_scopes(Some(c), path)?,
                None => both,
            };
            let patterns = self.compile_patterns(object, path)?;
            let rule = Rule::BeginEnd {
                begin: regex(begin, path)?,
                end: regex(end, path)?,
                name: scopes("name")?,
                content_name: scopes("contentName")?,
                begin_captures,
                end_captures,
                patterns,
            };
            return Ok(self.push(rule));
        }
        if has("end") || has("captures") || has("beginCaptures") || has("endCaptures") || has("contentName") {
            return Err(format!("{path}: captures or `end` without `match`/`begin`"));
        }
        only(&["patterns"])?;
        let patterns = self.compile_patterns(object, path)?;
        Ok(self.push(Rule::Group(patterns)))
    }
}

fn regex(source: &str, path: &str) -> Result<Regex, String> {
    if source.contains("\\G") || source.contains("\\A") || source.contains("\\z") || source.contains("\\Z") {
        return Err(format!(
            "{path}: the anchors \\G, \\A, \\z and \\Z are not supported: {source}"
        ));
    }
    Regex::new(&format!("(?m){source}")).map_err(|e| format!("{path}: bad regex {source:?}: {e}"))
}

fn has_back_reference(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1].is_ascii_digit() {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn capture_scopes(captures: Option<&Value>, path: &str) -> Result<CaptureScopes, String> {
    let Some(captures) = captures else {
        return Ok(Vec::new());
    };
    let captures = captures
        .as_object()
        .ok_or_else(|| format!("{path}: captures are not an object"))?;
    let mut out = Vec::new();
    for (group, capture) in captures {
        let group: usize = group
            .parse()
            .map_err(|_| format!("{path}: capture `{group}` is not a group number"))?;
        let capture = capture
            .as_object()
            .ok_or_else(|| format!("{path}: capture {group} is not an object"))?;
        if let Some(key) = capture.keys().find(|k| k.as_str() != "name") {
            return Err(format!("{path}: capture {group} has unsupported key `{key}`"));
        }
        let name = capture
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}: capture {group} has no `name`"))?;
        out.push((group, name.split_whitespace().map(str::to_string).collect()));
    }
    out.sort_by_key(|(group, _)| *group);
    Ok(out)
}

struct Frame {
    rule: RuleId,
    /// Scopes of the rule's begin and end: the parent's plus `name`.
    name_scopes: Vec<String>,
    /// Scopes of the text between: `name_scopes` plus `contentName`.
    content_scopes: Vec<String>,
    /// Where on the current line the rule was entered, if it was.
    entered_at: Option<usize>,
}

/// Tokenizes a document line by line, keeping the stack of open rules
/// between lines as an editor does.
pub struct Tokenizer<'g> {
    grammar: &'g Grammar,
    stack: Vec<Frame>,
}

/// Where each group of a match matched, by group number.
type Groups = Vec<Option<(usize, usize)>>;

enum Found {
    End(Groups),
    Rule(RuleId, Groups),
}

impl<'g> Tokenizer<'g> {
    pub fn new(grammar: &'g Grammar) -> Self {
        let scopes = vec![grammar.scope_name.clone()];
        Tokenizer {
            grammar,
            stack: vec![Frame {
                rule: grammar.root,
                name_scopes: scopes.clone(),
                content_scopes: scopes,
                entered_at: None,
            }],
        }
    }

    /// How many begin/end rules are open (0 at the top level).
    pub fn open_rules(&self) -> usize {
        self.stack.len() - 1
    }

    /// The scopes in effect after the last line, outermost first.
    pub fn current_scopes(&self) -> &[String] {
        &self.stack.last().expect("the root is never popped").content_scopes
    }

    /// Tokenizes one line (without its line break). Panics where
    /// vscode-textmate would report the grammar as looping.
    pub fn tokenize_line(&mut self, line: &str) -> Vec<Token> {
        let text = format!("{line}\n");
        for frame in &mut self.stack {
            frame.entered_at = None;
        }
        let mut tokens = Vec::new();
        let mut pos = 0;
        for _ in 0..10_000 {
            let frame = self.stack.last().expect("the root is never popped");
            let Some(found) = self.next_match(frame.rule, &text, pos) else {
                push_token(&mut tokens, &text, pos, text.len(), &frame.content_scopes);
                return finish(tokens, line.len());
            };
            let (start, end) = match &found {
                Found::End(groups) | Found::Rule(_, groups) => groups[0].expect("group 0 always matches"),
            };
            push_token(&mut tokens, &text, pos, start, &frame.content_scopes);
            let zero_width = start == end;
            match found {
                Found::End(groups) => {
                    let frame = self.stack.pop().expect("an end belongs to an open rule");
                    let Rule::BeginEnd { end_captures, .. } = &self.grammar.rules[frame.rule] else {
                        unreachable!("only begin/end rules are pushed")
                    };
                    emit(&mut tokens, &text, &groups, &frame.name_scopes, end_captures);
                    assert!(
                        !(zero_width && frame.entered_at == Some(start)),
                        "endless loop: a rule was entered and left at byte {start} of {line:?}"
                    );
                }
                Found::Rule(id, groups) => {
                    assert!(!zero_width, "endless loop: an empty match at byte {start} of {line:?}");
                    match &self.grammar.rules[id] {
                        Rule::Match { name, captures, .. } => {
                            let base = concat(&frame.content_scopes, name);
                            emit(&mut tokens, &text, &groups, &base, captures);
                        }
                        Rule::BeginEnd {
                            name,
                            content_name,
                            begin_captures,
                            ..
                        } => {
                            let name_scopes = concat(&frame.content_scopes, name);
                            emit(&mut tokens, &text, &groups, &name_scopes, begin_captures);
                            let content_scopes = concat(&name_scopes, content_name);
                            self.stack.push(Frame {
                                rule: id,
                                name_scopes,
                                content_scopes,
                                entered_at: Some(pos),
                            });
                        }
                        _ => unreachable!("includes are expanded"),
                    }
                }
            }
            pos = end;
        }
        panic!("endless loop: no progress on line {line:?}");
    }

    fn next_match(&self, rule: RuleId, text: &str, pos: usize) -> Option<Found> {
        let search = |regex: &Regex| -> Option<Groups> {
            let caps = regex
                .captures_from_pos(text, pos)
                .unwrap_or_else(|e| panic!("regex {regex} failed on {text:?}: {e}"))?;
            Some(
                (0..caps.len())
                    .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                    .collect(),
            )
        };
        let mut best: Option<(usize, Found)> = None;
        if let Rule::BeginEnd { end, .. } = &self.grammar.rules[rule] {
            if let Some(groups) = search(end) {
                best = Some((groups[0].expect("group 0").0, Found::End(groups)));
            }
        }
        for &id in &self.grammar.expanded[&rule] {
            let regex = match &self.grammar.rules[id] {
                Rule::Match { regex, .. } => regex,
                Rule::BeginEnd { begin, .. } => begin,
                _ => unreachable!("includes are expanded"),
            };
            if let Some(groups) = search(regex) {
                let start = groups[0].expect("group 0").0;
                if best.as_ref().is_none_or(|(best_start, _)| start < *best_start) {
                    best = Some((start, Found::Rule(id, groups)));
                }
            }
        }
        best.map(|(_, found)| found)
    }
}

/// Tokenizes a whole document: one token list per line, and the tokenizer
/// (to see what is still open at the end).
pub fn tokenize<'g>(grammar: &'g Grammar, source: &str) -> (Vec<Vec<Token>>, Tokenizer<'g>) {
    let mut tokenizer = Tokenizer::new(grammar);
    let lines = source
        .split('\n')
        .map(|line| tokenizer.tokenize_line(line.strip_suffix('\r').unwrap_or(line)))
        .collect();
    (lines, tokenizer)
}

fn concat(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().chain(b).cloned().collect()
}

fn push_token(tokens: &mut Vec<Token>, text: &str, start: usize, end: usize, scopes: &[String]) {
    if start >= end {
        return;
    }
    tokens.push(Token {
        start,
        end,
        text: text[start..end].to_string(),
        scopes: scopes.to_vec(),
    });
}

/// Tokens for a match: `base` everywhere, plus each capture's scopes over the
/// bytes its group matched (enclosing groups first).
fn emit(tokens: &mut Vec<Token>, text: &str, groups: &Groups, base: &[String], captures: &CaptureScopes) {
    let (mut start, stop) = groups[0].expect("group 0");
    let scopes_at = |byte: usize| {
        let mut scopes = base.to_vec();
        for (group, names) in captures {
            if let Some(Some((from, to))) = groups.get(*group) {
                if *from <= byte && byte < *to {
                    scopes.extend(names.iter().cloned());
                }
            }
        }
        scopes
    };
    while start < stop {
        let scopes = scopes_at(start);
        let mut end = start + 1;
        while end < stop && (!text.is_char_boundary(end) || scopes_at(end) == scopes) {
            end += 1;
        }
        push_token(tokens, text, start, end, &scopes);
        start = end;
    }
}

/// Drops the appended line break from the tokens.
fn finish(tokens: Vec<Token>, line_len: usize) -> Vec<Token> {
    tokens
        .into_iter()
        .filter_map(|mut token| {
            if token.start >= line_len {
                return None;
            }
            if token.end > line_len {
                token.end = line_len;
                token.text.truncate(line_len - token.start);
            }
            Some(token)
        })
        .collect()
}
