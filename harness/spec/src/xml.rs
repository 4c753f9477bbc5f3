//! Positions for XML errors that roxmltree reports without one.

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = match before.rfind('\n') {
        Some(newline) => newline + 1,
        None => 0,
    };
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32)
}
