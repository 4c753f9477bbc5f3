//! A helper both readers share: refuse DOCTYPE declarations outright (docs/pipeline.md
//! "Document"; docs/codecs.md "Limits"). roxmltree with `allow_dtd: false` still accepts
//! an empty internal subset, so the model looks for the declaration itself.

use roxmltree::Document;

/// The byte offset of a `<!DOCTYPE` declaration in the prolog (before the root element,
/// outside comments and processing instructions), if there is one.
pub fn doctype_offset(document: &Document<'_>) -> Option<usize> {
    let text = document.input_text();
    let root_start = document.root_element().range().start;
    let mut gap_start = 0;
    for node in document.root().children() {
        let range = node.range();
        if range.start >= root_start {
            break;
        }
        if let Some(found) = text[gap_start..range.start].find("<!DOCTYPE") {
            return Some(gap_start + found);
        }
        gap_start = range.end;
    }
    text[gap_start..root_start]
        .find("<!DOCTYPE")
        .map(|found| gap_start + found)
}
