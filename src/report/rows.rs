//! A table as the report's sections define it once: preformatted cells that each format lays out
//! in its own syntax.

/// A table of preformatted cells, laid out by each format; a column name starting with '#'
/// is numeric.
pub struct Rows {
    pub head: &'static [&'static str],
    pub rows: Vec<Vec<String>>,
}
