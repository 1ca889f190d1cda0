//! Why a policy cannot be used: every message is one line naming what was found and what was
//! expected.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is not a valid policy file (not safetensors, bad metadata, missing or misshapen
    /// tensors).
    #[error("policy file {path}: {message}")]
    Format { path: String, message: String },
    /// The policy does not fit the game it is asked to play.
    #[error("{0}")]
    Mismatch(String),
    /// The command line asks for something the policy cannot do.
    #[error("{0}")]
    Usage(String),
}
