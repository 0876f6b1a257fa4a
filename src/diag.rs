//! Diagnostics: error messages with a source position, collected during a
//! run and printed together, in source order, in the reference's format
//! (the conformance suite matches on it):
//!
//! ```text
//! path: line:col: error: message
//!   the source line
//!   ^~~~~
//! ```
//!
//! The caret sits under the first column of the span and `~` extends it over
//! the rest of the span's width on that line (columns count Unicode scalars).

use crate::source::{SourceMap, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `None` for errors with no position (e.g. an unreadable root file).
    pub span: Option<Span>,
    pub message: String,
}

/// Collects the diagnostics of one compilation.
#[derive(Default, Debug)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics { list: Vec::new() }
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.list.push(Diagnostic { span: Some(span), message: message.into() });
    }

    /// An error that has no source position.
    pub fn error_global(&mut self, message: impl Into<String>) {
        self.list.push(Diagnostic { span: None, message: message.into() });
    }

    pub fn has_errors(&self) -> bool {
        !self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The diagnostics in the order they were reported.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// The diagnostics sorted into source order (file, then offset); positionless
    /// ones first. The sort is stable, so two errors at one spot keep their order.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.list.iter().collect();
        v.sort_by_key(|d| d.span.map(|s| (1u8, s.file.0, s.lo)).unwrap_or((0, 0, 0)));
        v
    }

    /// Renders every diagnostic, in source order, to one string.
    pub fn render_all(&self, sm: &SourceMap) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&render(sm, d));
        }
        out
    }

    /// Prints every diagnostic, in source order, to stderr.
    pub fn print_all(&self, sm: &SourceMap) {
        eprint!("{}", self.render_all(sm));
    }
}

/// One diagnostic as text: the header line, the source line, the caret line.
pub fn render(sm: &SourceMap, d: &Diagnostic) -> String {
    let span = match d.span {
        Some(s) if (s.file.0 as usize) < sm.len() => s,
        _ => return format!("error: {}\n", d.message),
    };
    let file = sm.file(span.file);
    let (line, col) = file.line_col(span.lo);
    let text = file.line_text(line);
    // Copy tabs from the source line so the caret lands under the column
    // however the terminal expands them.
    let caret_pad: String = text
        .chars()
        .take(col as usize - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let (end_line, end_col) = file.line_col(span.hi.max(span.lo));
    let line_width = text.chars().count() as u32 + 1;
    let end_col = if end_line == line { end_col } else { line_width };
    let width = end_col.saturating_sub(col).max(1);
    let tildes = "~".repeat(width as usize - 1);
    format!(
        "{}: {}:{}: error: {}\n  {}\n  {}^{}\n",
        file.path, line, col, d.message, text, caret_pad, tildes
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_source_order() {
        let mut sm = SourceMap::new();
        let f = sm.add("t.dusk", "func main() {\n\tx := 1 +\n}\n");
        let mut d = Diagnostics::new();
        d.error(Span::new(f, 24, 25), "expected an expression, found '}'");
        d.error(Span::new(f, 15, 16), "first");
        let mut one = Diagnostics::new();
        one.error(Span::new(f, 20, 26), "wide");
        assert_eq!(one.render_all(&sm), "t.dusk: 2:7: error: wide\n  \tx := 1 +\n  \t     ^~~\n");
        let s = d.render_all(&sm);
        assert_eq!(
            s,
            "t.dusk: 2:2: error: first\n  \tx := 1 +\n  \t^\n\
             t.dusk: 3:1: error: expected an expression, found '}'\n  }\n  ^\n"
        );
    }
}
