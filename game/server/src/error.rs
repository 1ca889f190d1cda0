//! The server's errors: [`EnvError`] is every error code of docs/protocol.md with its HTTP status,
//! and [`EnvError::reply_body`] is the one place an error body is written; [`StartError`] is
//! every reason a server fails to start.

use thiserror::Error;

/// A request the server refuses, or an internal failure; carries a one-line message.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EnvError {
    #[error(
        "missing query parameter 'payload'; expected /step?payload=[{{\"action\":\"...\"}}, ...] with one object per agent"
    )]
    MissingPayload,
    #[error("{0}")]
    InvalidPayload(String),
    #[error("{0}")]
    InvalidAction(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidOptions(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error(
        "unknown path {0:?}; expected one of /step, /reset, /state, /visual_observations, /spec, /v1/step, /v1/reset, /v1/observe"
    )]
    NotFound(String),
    #[error("method not allowed on {path}; expected {allow}")]
    MethodNotAllowed { path: String, allow: &'static str },
    #[error("{0}")]
    TooLarge(String),
    /// A request whose HTTP framing hyper accepted but whose body could not be read.
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "missing or wrong token; expected the header 'Authorization: Bearer <token>' given to the server with --token"
    )]
    Unauthorized,
    #[error("chunked bodies are not accepted; expected a Content-Length header")]
    LengthRequired,
    #[error("{0} connections are open; expected clients to reuse or close connections")]
    TooManyConnections(usize),
    /// Details go to the server's stderr, never to the client.
    #[error("internal server error: {0}")]
    Internal(String),
}

impl EnvError {
    /// HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            EnvError::Unauthorized => 401,
            EnvError::NotFound(_) => 404,
            EnvError::MethodNotAllowed { .. } => 405,
            EnvError::LengthRequired => 411,
            EnvError::TooLarge(_) => 413,
            EnvError::Internal(_) => 500,
            EnvError::TooManyConnections(_) => 503,
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
            EnvError::BadRequest(_) => "bad_request",
            EnvError::Unauthorized => "unauthorized",
            EnvError::LengthRequired => "length_required",
            EnvError::TooManyConnections(_) => "too_many_connections",
            EnvError::Internal(_) => "internal",
        }
    }

    /// The reply body, one line of JSON `{"code": …, "error": …}`. An `internal` error's details
    /// are written to stderr here and replaced in the body, so no internals reach a client.
    pub fn reply_body(&self) -> Vec<u8> {
        let message = match self {
            EnvError::Internal(_) => {
                eprintln!("bevy_gym_server: {self}");
                "internal server error; the details are in the server's log".to_string()
            }
            _ => self.to_string(),
        };
        serde_json::json!({ "code": self.code(), "error": message })
            .to_string()
            .into_bytes()
    }
}

/// Why a server could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("invalid start settings: {0}")]
    Settings(#[from] EnvError),
    #[error(
        "refusing to listen on {0}: a non-loopback address exposes the server to the network; expected 127.0.0.1, or --allow-remote together with --token <secret>"
    )]
    RemoteNotAllowed(String),
    #[error(
        "refusing to listen on {0} without a token of at least 16 characters; expected --token <secret> with --allow-remote"
    )]
    WeakToken(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot {what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
}

impl StartError {
    /// An I/O failure while doing `what`.
    pub fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| StartError::Io { what, source }
    }
}

/// Quotes client text in an error message, cut short so one line stays one line.
pub(crate) fn quote_short(raw: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut cut: String = raw.chars().take(MAX_CHARS).collect();
    if raw.chars().count() > MAX_CHARS {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_stay_out_of_the_body() {
        let err = EnvError::Internal("png encoder failed at /home/secret/path".into());
        let body = String::from_utf8(err.reply_body()).unwrap();
        assert!(!body.contains("secret"), "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["code"], "internal");
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn every_body_is_one_line_with_code_and_message() {
        for err in [
            EnvError::MissingPayload,
            EnvError::Unauthorized,
            EnvError::LengthRequired,
            EnvError::TooManyConnections(1024),
            EnvError::TooLarge("request body has 9 bytes; expected at most 8".into()),
            EnvError::BadRequest("request body ended early; expected Content-Length bytes".into()),
        ] {
            let body = String::from_utf8(err.reply_body()).unwrap();
            assert!(!body.contains('\n'));
            let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(doc["code"], err.code());
            assert!(
                doc["error"].as_str().unwrap().contains("expected"),
                "{body}"
            );
        }
    }
}
