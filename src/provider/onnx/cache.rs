//! The batch's KV cache rearranged when its rows change: a case joining (its prefilled cache
//! padded on the left to the batch's width, or the batch padded to its), a case leaving (its
//! row dropped, columns no remaining row uses trimmed). Rows are right-aligned: each row's
//! newest position is the last column, padding (masked out, zeros) on the left.

use ort::value::{DynValue, PrimitiveTensorElementType, Tensor, TensorElementType};

/// Where one row of the new cache comes from: row `row` of the tensors `from` (one per cache
/// input, `[rows, heads, columns, head_dim]`), its first `skip` columns dropped and `pad`
/// zero columns put in front.
pub struct RowSource<'a> {
    pub from: &'a [DynValue],
    pub row: usize,
    pub skip: usize,
    pub pad: usize,
}

/// The cache tensors for `sources`, row by row, each `width` columns wide.
pub fn assemble(
    sources: &[RowSource],
    width: usize,
    kv_type: TensorElementType,
) -> Result<Vec<DynValue>, String> {
    let inputs = sources.first().map_or(0, |s| s.from.len());
    (0..inputs)
        .map(|i| match kv_type {
            TensorElementType::Float16 => assemble_one::<half::f16>(sources, i, width),
            _ => assemble_one::<f32>(sources, i, width),
        })
        .collect()
}

fn assemble_one<T: PrimitiveTensorElementType + Copy + Default + std::fmt::Debug + 'static>(
    sources: &[RowSource],
    input: usize,
    width: usize,
) -> Result<DynValue, String> {
    let ort_err = |e: ort::Error| format!("ONNX Runtime failed: {e}");
    let mut shape = None;
    let mut out: Vec<T> = Vec::new();
    for (r, source) in sources.iter().enumerate() {
        let (src_shape, data) = source.from[input]
            .try_extract_tensor::<T>()
            .map_err(ort_err)?;
        let &[rows, heads, columns, dim] = &src_shape[..] else {
            return Err(format!(
                "a KV cache has shape {src_shape:?}, expected 4 dimensions"
            ));
        };
        let [rows, heads, columns, dim] = [rows, heads, columns, dim].map(|d| d.max(0) as usize);
        if source.row >= rows
            || source.skip > columns
            || source.pad + columns - source.skip != width
        {
            return Err(format!(
                "cannot place row {} of a cache of shape {src_shape:?} in a batch {width} wide",
                source.row
            ));
        }
        let (heads, dim) = *shape.get_or_insert((heads, dim));
        if out.is_empty() {
            out = vec![T::default(); sources.len() * heads * width * dim];
        }
        for h in 0..heads {
            let src = ((source.row * heads + h) * columns + source.skip) * dim;
            let len = (columns - source.skip) * dim;
            let dst = ((r * heads + h) * width + source.pad) * dim;
            out[dst..dst + len].copy_from_slice(&data[src..src + len]);
        }
    }
    let (heads, dim) = shape.unwrap_or((0, 0));
    Tensor::from_array(([sources.len(), heads, width, dim], out))
        .map(|t| t.into_dyn())
        .map_err(ort_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(rows: usize, columns: usize, values: impl Fn(usize, usize) -> f32) -> DynValue {
        // one head of dimension 1: value(row, column)
        let data = (0..rows * columns)
            .map(|i| values(i / columns, i % columns))
            .collect::<Vec<_>>();
        Tensor::from_array(([rows, 1, columns, 1], data))
            .unwrap()
            .into_dyn()
    }

    fn rows_of(value: &DynValue) -> Vec<Vec<f32>> {
        let (shape, data) = value.try_extract_tensor::<f32>().unwrap();
        data.chunks(shape[2] as usize)
            .map(<[f32]>::to_vec)
            .collect()
    }

    #[test]
    fn a_joining_row_is_padded_on_the_left_and_a_leaving_one_trims_shared_padding() {
        crate::provider::onnx::runtime::environment().unwrap();
        let batch = [cache(2, 3, |r, c| (10 * (r + 1) + c) as f32)];
        let joining = [cache(1, 5, |_, c| (100 + c) as f32)];
        // The new row is wider: the batch's rows get two more columns of padding.
        let sources = [
            RowSource {
                from: &batch,
                row: 0,
                skip: 0,
                pad: 2,
            },
            RowSource {
                from: &batch,
                row: 1,
                skip: 0,
                pad: 2,
            },
            RowSource {
                from: &joining,
                row: 0,
                skip: 0,
                pad: 0,
            },
        ];
        let joined = assemble(&sources, 5, TensorElementType::Float32).unwrap();
        assert_eq!(
            rows_of(&joined[0]),
            [
                vec![0.0, 0.0, 10.0, 11.0, 12.0],
                vec![0.0, 0.0, 20.0, 21.0, 22.0],
                vec![100.0, 101.0, 102.0, 103.0, 104.0],
            ]
        );
        // The wide row leaves: the others' two columns of padding go.
        let left = [
            RowSource {
                from: &joined,
                row: 0,
                skip: 2,
                pad: 0,
            },
            RowSource {
                from: &joined,
                row: 1,
                skip: 2,
                pad: 0,
            },
        ];
        let trimmed = assemble(&left, 3, TensorElementType::Float32).unwrap();
        assert_eq!(
            rows_of(&trimmed[0]),
            [vec![10.0, 11.0, 12.0], vec![20.0, 21.0, 22.0]]
        );
        let wrong = [RowSource {
            from: &batch,
            row: 0,
            skip: 0,
            pad: 1,
        }];
        assert!(assemble(&wrong, 3, TensorElementType::Float32).is_err());
    }
}
