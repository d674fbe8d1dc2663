//! Did-you-mean suggestions and the wording that lists choices.

use super::Report;

/// The closest candidate by edit distance, if it is close enough to be a typo.
pub(crate) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// String choices as a schema writes them: `` `"a"`, `"b"` ``.
pub(super) fn string_choices<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words.map(|w| format!("`\"{w}\"`")).collect::<Vec<_>>().join(", ")
}

impl Report<'_> {
    /// Helps with `did you mean ..?` when there is a close name, with
    /// `otherwise` when there is none.
    pub(super) fn help_suggesting(self, suggestion: Option<&str>, otherwise: impl Into<String>) -> Self {
        match suggestion {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self.help(otherwise),
        }
    }
}
