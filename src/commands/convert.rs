//! `modelswap convert MODEL.gguf --out DIR`: the GGUF converter's steps on stderr, and what it
//! wrote.

use modelswap::convert::{self, ConvertError, Quantize, Request};
use modelswap::error::{Error, Result};

use crate::cli::{ConvertArgs, QuantizeArg};

pub fn run(args: ConvertArgs) -> Result<()> {
    let request = Request {
        gguf: args.gguf,
        out: args.out,
        quantize: args.quantize.map(|q| match q {
            QuantizeArg::Int8 => Quantize::Int8,
            QuantizeArg::Int4 => Quantize::Int4,
        }),
        chat_template: args.chat_template,
        python: args.python,
    };
    let done = convert::convert(&request, &|step| eprintln!("modelswap convert: {step} …"))
        .map_err(|e| match e {
            ConvertError::Input(m) => Error::Input(m),
            // The machine lacks something, not the input: exit 1, as for any failure to finish.
            ConvertError::Python(m) => Error::Other(anyhow::anyhow!(m)),
        })?;
    eprintln!(
        "modelswap convert: wrote {} in {:.1} s: {}",
        request.out.display(),
        done.seconds,
        done.summary
    );
    if let Some(weights) = &done.weights {
        eprintln!("modelswap convert: weights: {weights}");
    }
    println!("{}", request.out.join("model.onnx").display());
    println!("sha256 {}", done.graph_sha256);
    Ok(())
}
