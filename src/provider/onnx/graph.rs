//! Which operators an ONNX graph uses, read from the model file's protobuf without loading it:
//! ONNX Runtime's API does not list a session's nodes, and the decode loop must know whether the
//! graph's attention takes each row's length (`GroupQueryAttention`) before it batches rows.
//!
//! Only the fields on the way to `NodeProto.op_type` are read (ModelProto.graph → GraphProto.node
//! → NodeProto.op_type, and subgraphs in node attributes); everything else, weights included, is
//! skipped by its length, so a multi-gigabyte file costs a few seeks.

use std::collections::BTreeSet;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Field numbers in onnx.proto3.
const MODEL_GRAPH: u64 = 7;
const GRAPH_NODE: u64 = 1;
const NODE_OP_TYPE: u64 = 4;
const NODE_ATTRIBUTE: u64 = 5;
const ATTRIBUTE_GRAPH: u64 = 6;
const ATTRIBUTE_GRAPHS: u64 = 11;

/// The operator types of every node of the graph in `path`, subgraphs included.
pub fn op_types(path: &Path) -> Result<BTreeSet<String>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = Reader {
        input: BufReader::new(file),
        ops: BTreeSet::new(),
    };
    reader
        .message(len, Kind::Model)
        .map_err(|e| format!("{}: not a readable ONNX model ({e})", path.display()))?;
    Ok(reader.ops)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Model,
    Graph,
    Node,
    Attribute,
}

struct Reader<R> {
    input: R,
    ops: BTreeSet<String>,
}

impl<R: Read + Seek> Reader<R> {
    /// Reads a message of `len` bytes, descending into the fields that lead to op types.
    fn message(&mut self, len: u64, kind: Kind) -> std::io::Result<()> {
        let mut read = 0u64;
        while read < len {
            let (key, key_len) = self.varint()?;
            read += key_len;
            let (field, wire) = (key >> 3, key & 7);
            let skip = match wire {
                0 => self.varint()?.1,
                1 => self.skip(8)?,
                5 => self.skip(4)?,
                2 => {
                    let (size, size_len) = self.varint()?;
                    read += size_len;
                    self.length_delimited(kind, field, size)?;
                    size
                }
                _ => return Err(invalid("an unknown wire type")),
            };
            read += skip;
        }
        if read != len {
            return Err(invalid("a field runs past its message"));
        }
        Ok(())
    }

    fn length_delimited(&mut self, kind: Kind, field: u64, size: u64) -> std::io::Result<()> {
        let inner = match (kind, field) {
            (Kind::Model, MODEL_GRAPH) => Some(Kind::Graph),
            (Kind::Graph, GRAPH_NODE) => Some(Kind::Node),
            (Kind::Node, NODE_ATTRIBUTE) => Some(Kind::Attribute),
            (Kind::Attribute, ATTRIBUTE_GRAPH | ATTRIBUTE_GRAPHS) => Some(Kind::Graph),
            (Kind::Node, NODE_OP_TYPE) if size <= 1024 => {
                let mut name = vec![0; size as usize];
                self.input.read_exact(&mut name)?;
                self.ops.insert(String::from_utf8_lossy(&name).into_owned());
                return Ok(());
            }
            _ => None,
        };
        match inner {
            Some(kind) => self.message(size, kind),
            None => self.skip(size).map(|_| ()),
        }
    }

    fn skip(&mut self, n: u64) -> std::io::Result<u64> {
        let n_i64 = i64::try_from(n).map_err(|_| invalid("a field too long"))?;
        self.input.seek(SeekFrom::Current(n_i64))?;
        Ok(n)
    }

    /// A base-128 varint and the bytes it took.
    fn varint(&mut self) -> std::io::Result<(u64, u64)> {
        let (mut value, mut shift) = (0u64, 0);
        for taken in 1..=10 {
            let mut byte = [0u8];
            self.input.read_exact(&mut byte)?;
            value |= u64::from(byte[0] & 0x7f) << shift;
            if byte[0] & 0x80 == 0 {
                return Ok((value, taken));
            }
            shift += 7;
        }
        Err(invalid("a varint longer than 10 bytes"))
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn field(number: u64, body: &[u8], out: &mut Vec<u8>) {
        varint(number << 3 | 2, out);
        varint(body.len() as u64, out);
        out.extend_from_slice(body);
    }

    #[test]
    fn op_types_are_found_in_the_graph_and_its_subgraphs_past_skipped_fields() {
        let (mut inner_node, mut inner_graph, mut attribute) = (vec![], vec![], vec![]);
        field(NODE_OP_TYPE, b"GroupQueryAttention", &mut inner_node);
        field(GRAPH_NODE, &inner_node, &mut inner_graph);
        field(ATTRIBUTE_GRAPH, &inner_graph, &mut attribute);
        let mut node = vec![];
        varint(2 << 3, &mut node); // a varint field (node name index, say) to skip
        varint(300, &mut node);
        field(NODE_OP_TYPE, b"If", &mut node);
        field(NODE_ATTRIBUTE, &attribute, &mut node);
        let mut graph = vec![];
        field(5, &[0u8; 4000], &mut graph); // an initializer's bytes
        field(GRAPH_NODE, &node, &mut graph);
        let mut model = vec![];
        varint(1 << 3, &mut model); // ir_version
        varint(10, &mut model);
        field(MODEL_GRAPH, &graph, &mut model);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, &model).unwrap();
        let ops: Vec<String> = op_types(&path).unwrap().into_iter().collect();
        assert_eq!(ops, ["GroupQueryAttention", "If"]);

        std::fs::write(&path, &model[..model.len() - 3]).unwrap();
        let err = op_types(&path).unwrap_err();
        assert!(err.contains("not a readable ONNX model"), "{err}");
    }
}
