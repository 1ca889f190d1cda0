//! The one error type of the server: every rejection a client can cause, with its status and code.

use std::fmt;

/// A request the server refuses; carries a one-line message for the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvError {
    MissingPayload,
    InvalidPayload(String),
    InvalidAction(String),
    InvalidQuery(String),
    InvalidOptions(String),
    InvalidBody(String),
    NotFound(String),
    MethodNotAllowed { path: String, allow: &'static str },
    TooLarge(String),
    Internal(String),
}

impl EnvError {
    /// HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            EnvError::NotFound(_) => 404,
            EnvError::MethodNotAllowed { .. } => 405,
            EnvError::TooLarge(_) => 413,
            EnvError::Internal(_) => 500,
            _ => 400,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EnvError::MissingPayload => "missing_payload",
            EnvError::InvalidPayload(_) => "invalid_payload",
            EnvError::InvalidAction(_) => "invalid_action",
            EnvError::InvalidQuery(_) => "invalid_query",
            EnvError::InvalidOptions(_) => "invalid_options",
            EnvError::InvalidBody(_) => "invalid_body",
            EnvError::NotFound(_) => "not_found",
            EnvError::MethodNotAllowed { .. } => "method_not_allowed",
            EnvError::TooLarge(_) => "too_large",
            EnvError::Internal(_) => "internal",
        }
    }

    /// The reply body: one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "code": self.code(), "error": self.to_string() }).to_string()
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvError::MissingPayload => write!(
                f,
                "missing query parameter 'payload'; expected /step?payload=[{{\"action\":\"...\"}}, ...] with one object per agent"
            ),
            EnvError::InvalidPayload(m)
            | EnvError::InvalidAction(m)
            | EnvError::InvalidQuery(m)
            | EnvError::InvalidOptions(m)
            | EnvError::InvalidBody(m)
            | EnvError::TooLarge(m) => f.write_str(m),
            EnvError::NotFound(path) => write!(
                f,
                "unknown path {path:?}; expected one of /step, /reset, /state, /visual_observations, /spec, /v1/step, /v1/reset, /v1/observe"
            ),
            EnvError::MethodNotAllowed { path, allow } => {
                write!(f, "method not allowed on {path}; expected {allow}")
            }
            EnvError::Internal(m) => write!(f, "internal server error: {m}"),
        }
    }
}

impl std::error::Error for EnvError {}
