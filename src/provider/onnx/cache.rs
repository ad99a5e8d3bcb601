//! The cache tensors: zeros for a prefill, and the batch's cache rearranged when its rows change: a case joining (its prefilled cache
//! copied in as a new row), a case leaving (its row dropped). Rows are left-aligned: a row's
//! positions are its first columns, whatever follows is unused (the attention reads each row's
//! own length), so a row's numbers never depend on the others'.

use ort::memory::Allocator;
use ort::value::{DynValue, PrimitiveTensorElementType, Tensor, TensorElementType};

/// Where one row of the new cache comes from: the first `len` columns of row `row` of the
/// tensors `from` (one per cache input, `[rows, heads, columns, head_dim]`).
pub struct RowSource<'a> {
    pub from: &'a [DynValue],
    pub row: usize,
    pub len: usize,
}

/// The cache tensors for `sources`, row by row, each `width` columns wide (zeros past a row's
/// length).
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
    let mut shape = None;
    let mut parts = Vec::with_capacity(sources.len());
    for source in sources {
        let (src_shape, data) = source.from[input]
            .try_extract_tensor::<T>()
            .map_err(ort_err)?;
        let &[rows, heads, columns, dim] = &src_shape[..] else {
            return Err(format!(
                "a KV cache has shape {src_shape:?}, expected 4 dimensions"
            ));
        };
        let [rows, heads, columns, dim] = [rows, heads, columns, dim].map(|d| d.max(0) as usize);
        if source.row >= rows || source.len > columns.min(width) {
            return Err(format!(
                "cannot place row {} of a cache of shape {src_shape:?} in a batch {width} wide",
                source.row
            ));
        }
        if *shape.get_or_insert((heads, dim)) != (heads, dim) {
            return Err(format!(
                "KV caches of shapes {shape:?} and {src_shape:?} in one batch"
            ));
        }
        parts.push((data, columns));
    }
    let (heads, dim) = shape.unwrap_or((0, 0));
    let mut out = allocate::<T>([sources.len(), heads, width, dim])?;
    let (_, values) = out.extract_tensor_mut();
    for (r, (source, (data, columns))) in sources.iter().zip(parts).enumerate() {
        for h in 0..heads {
            let src = (source.row * heads + h) * columns * dim;
            let len = source.len * dim;
            let dst = (r * heads + h) * width * dim;
            values[dst..dst + len].copy_from_slice(&data[src..src + len]);
        }
    }
    Ok(out.into_dyn())
}

/// A cache tensor of zeros in the graph's element type.
pub fn zeros(shape: [usize; 4], kv_type: TensorElementType) -> Result<DynValue, String> {
    match kv_type {
        TensorElementType::Float16 => allocate::<half::f16>(shape).map(|t| t.into_dyn()),
        _ => allocate::<f32>(shape).map(|t| t.into_dyn()),
    }
}

/// A zeroed tensor from ONNX Runtime's allocator: only such a tensor can be bound as an output
/// (`Decoder::run` binds a shared cache to both sides).
fn allocate<T: PrimitiveTensorElementType + Copy + Default + std::fmt::Debug + 'static>(
    shape: [usize; 4],
) -> Result<Tensor<T>, String> {
    let mut tensor = Tensor::<T>::new(&Allocator::default(), shape).map_err(ort_err)?;
    tensor.extract_tensor_mut().1.fill(T::default());
    Ok(tensor)
}

fn ort_err(e: ort::Error) -> String {
    format!("ONNX Runtime failed: {e}")
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
    fn rows_keep_their_first_columns_and_the_rest_is_zero() {
        crate::provider::onnx::runtime::environment().unwrap();
        // A batch of two rows 3 wide (the second row only 2 long), and a row 4 long joining.
        let batch = [cache(2, 3, |r, c| (10 * (r + 1) + c) as f32)];
        let joining = [cache(1, 4, |_, c| (100 + c) as f32)];
        let sources = [
            RowSource {
                from: &batch,
                row: 0,
                len: 3,
            },
            RowSource {
                from: &batch,
                row: 1,
                len: 2,
            },
            RowSource {
                from: &joining,
                row: 0,
                len: 4,
            },
        ];
        let joined = assemble(&sources, 4, TensorElementType::Float32).unwrap();
        assert_eq!(
            rows_of(&joined[0]),
            [
                vec![10.0, 11.0, 12.0, 0.0],
                vec![20.0, 21.0, 0.0, 0.0],
                vec![100.0, 101.0, 102.0, 103.0],
            ]
        );
        // The long row leaves; the others keep their places.
        let left = [
            RowSource {
                from: &joined,
                row: 1,
                len: 2,
            },
            RowSource {
                from: &joined,
                row: 0,
                len: 3,
            },
        ];
        let kept = assemble(&left, 3, TensorElementType::Float32).unwrap();
        assert_eq!(
            rows_of(&kept[0]),
            [vec![20.0, 21.0, 0.0], vec![10.0, 11.0, 12.0]]
        );
        let too_long = [RowSource {
            from: &batch,
            row: 0,
            len: 4,
        }];
        assert!(assemble(&too_long, 4, TensorElementType::Float32).is_err());
    }
}
