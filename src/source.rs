//! Source files and positions. Every AST node and diagnostic carries a `Span`
//! (file + byte range); line and column are computed only when a message is
//! rendered, from line-start tables built once per file.

/// Index of a file in the `SourceMap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `lo..hi` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub lo: u32,
    pub hi: u32,
}

impl Span {
    pub fn new(file: FileId, lo: u32, hi: u32) -> Span {
        Span { file, lo, hi }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) }
    }

    /// An empty span at the start of this one.
    pub fn start(self) -> Span {
        Span { file: self.file, lo: self.lo, hi: self.lo }
    }
}

/// One loaded file: the path as the user (or an import) named it, and its text.
pub struct SourceFile {
    pub path: String,
    pub text: String,
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
}

impl SourceFile {
    fn new(path: String, text: String) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile { path, text, line_starts }
    }

    /// 1-based (line, column) of a byte offset. Columns count Unicode
    /// scalars, as the reference's diagnostics do.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        (line as u32 + 1, scalars(&self.text.as_bytes()[start..offset as usize]) + 1)
    }

    /// The text of 1-based line `line`, without its newline (and without a trailing CR).
    pub fn line_text(&self, line: u32) -> &str {
        let i = (line as usize).saturating_sub(1);
        if i >= self.line_starts.len() {
            return "";
        }
        let lo = self.line_starts[i] as usize;
        let hi = self.line_starts.get(i + 1).map(|&h| h as usize - 1).unwrap_or(self.text.len());
        let s = &self.text.as_bytes()[lo..hi.max(lo)];
        let s = s.strip_suffix(b"\r").unwrap_or(s);
        // Lines are cut at '\n' bytes, which never sit inside a UTF-8 sequence.
        std::str::from_utf8(s).unwrap_or("")
    }
}

/// Number of UTF-8 scalars in `b` (continuation bytes do not count).
pub fn scalars(b: &[u8]) -> u32 {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32
}

/// All files loaded in one compilation.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap { files: Vec::new() }
    }

    /// Registers a file and returns its id. Text that is not valid UTF-8 is
    /// converted lossily so the lexer still sees every other byte.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile::new(path.into(), text.into()));
        id
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.file(id).path
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.file(id).text
    }

    /// 1-based (line, column) of the start of `span`.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        self.file(span.file).line_col(span.lo)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.dusk", "ab\ncd\n\nx");
        assert_eq!(sm.line_col(Span::new(f, 0, 1)), (1, 1));
        assert_eq!(sm.line_col(Span::new(f, 1, 1)), (1, 2));
        assert_eq!(sm.line_col(Span::new(f, 2, 2)), (1, 3));
        assert_eq!(sm.line_col(Span::new(f, 3, 3)), (2, 1));
        assert_eq!(sm.line_col(Span::new(f, 6, 6)), (3, 1));
        assert_eq!(sm.line_col(Span::new(f, 7, 8)), (4, 1));
        assert_eq!(sm.line_col(Span::new(f, 99, 99)), (4, 2));
        assert_eq!(sm.file(f).line_text(2), "cd");
        assert_eq!(sm.file(f).line_text(3), "");
        assert_eq!(sm.file(f).line_text(4), "x");
    }
}
