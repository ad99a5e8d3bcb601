//! Jupyter notebooks: the code cells of an `.ipynb` (nbformat 4 JSON) read as the Python they
//! hold — not its JSON escaping (`\"model\"` would hide a quoted key from the rules), its outputs
//! (a log line is not a hard-coded endpoint) or its markdown — each line mapped back to its cell
//! and to its line in the file.

use serde::Deserialize;

/// A code cell's source.
pub struct Cell {
    /// 1-based, counting every cell of the notebook as Jupyter shows them.
    pub index: u32,
    pub source: String,
    /// The notebook file's line of each source line, where it could be found.
    pub file_lines: Vec<Option<u32>>,
}

#[derive(Deserialize)]
struct Notebook {
    cells: Vec<RawCell>,
}

#[derive(Deserialize)]
struct RawCell {
    cell_type: String,
    #[serde(default)]
    source: Source,
}

/// nbformat writes a cell's source as a list of lines, or as one string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Source {
    Lines(Vec<String>),
    Text(String),
}

impl Default for Source {
    fn default() -> Self {
        Self::Lines(Vec::new())
    }
}

/// The notebook's code cells; an error says why the bytes are not a notebook.
pub fn code_cells(bytes: &[u8]) -> Result<Vec<Cell>, String> {
    let notebook: Notebook = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(bytes);
    let mut cursor = 0;
    let mut cells = Vec::new();
    for (i, cell) in notebook.cells.into_iter().enumerate() {
        let pieces = match cell.source {
            Source::Lines(lines) => lines,
            Source::Text(t) => vec![t],
        };
        // Each piece as the file spells it, found in order: its line in the file.
        let mut at = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            let spelled = serde_json::to_string(piece).unwrap_or_default();
            let found = text[cursor..].find(&spelled).map(|p| cursor + p);
            if let Some(p) = found {
                cursor = p + spelled.len();
            }
            let line = found.map(|p| text[..p].bytes().filter(|&b| b == b'\n').count() as u32 + 1);
            // A piece may hold several lines (one-string sources): all on the piece's file line.
            at.extend(std::iter::repeat_n(line, piece.lines().count().max(1)));
        }
        if cell.cell_type == "code" {
            cells.push(Cell {
                index: i as u32 + 1,
                source: pieces.concat(),
                file_lines: at,
            });
        }
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_cells_come_back_as_python_with_their_file_lines() {
        let nb = r#"{
 "cells": [
  {
   "cell_type": "markdown",
   "source": ["Uses openai.ChatCompletion\n"]
  },
  {
   "cell_type": "code",
   "outputs": [{"output_type": "stream", "text": ["gpt-4o says hi\n"]}],
   "source": [
    "import anthropic\n",
    "block = {\"media_type\": \"image/png\"}"
   ]
  },
  {"cell_type": "code", "source": "x = 1\ny = 2"}
 ],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5
}"#;
        let cells = code_cells(nb.as_bytes()).unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].index, 2);
        assert_eq!(
            cells[0].source,
            "import anthropic\nblock = {\"media_type\": \"image/png\"}"
        );
        assert_eq!(cells[0].file_lines, [Some(11), Some(12)]);
        assert_eq!(
            (cells[1].index, cells[1].source.as_str()),
            (3, "x = 1\ny = 2")
        );
        assert_eq!(cells[1].file_lines, [Some(15), Some(15)]);
        assert!(code_cells(b"{\"cells\": 3}").is_err());
    }
}
