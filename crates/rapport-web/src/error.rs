//! Request errors: one [`WebError`], shown as JSON to API clients ([`ApiError`]) and as a
//! page to browsers ([`PageError`]).
//!
//! Store failures are logged in full with `tracing` and reach the client only as
//! "internal server error": database details stay on the server.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use rapport_store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is malformed: a bad parameter, a bad id. The message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// No valid credential: log in, or send an API token.
    #[error("authentication required: log in or send an API token")]
    Unauthorized,
    /// The caller is known but may not do this here (role too low, another workspace,
    /// a missing CSRF token). The message says which.
    #[error("{0}")]
    Forbidden(String),
    /// The thing to create exists already.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (failed logins); the message says when to retry.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request is well formed but cannot be done as asked (a reply too long for its
    /// network, a network not connected). The message says what to change.
    #[error("{0}")]
    Unprocessable(String),
    /// A service beyond rapport (a network) failed or asked to wait; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else failed on the server (a worker task); logged, not shown.
    #[error("{0}")]
    Internal(String),
}

impl WebError {
    /// A bad request with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        WebError::BadRequest(message.into())
    }

    /// A missing resource described by `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        WebError::NotFound(message.into())
    }

    /// A refusal explained by `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        WebError::Forbidden(message.into())
    }

    /// The HTTP status that fits.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) | WebError::Store(StoreError::Conflict { .. }) => {
                StatusCode::CONFLICT
            }
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound { .. }) => {
                StatusCode::NOT_FOUND
            }
            WebError::Store(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client may be told. Internal failures are logged here, once, and
    /// reported without detail.
    pub fn public_message(&self) -> String {
        match self {
            WebError::BadRequest(message)
            | WebError::NotFound(message)
            | WebError::Forbidden(message)
            | WebError::Conflict(message)
            | WebError::TooManyRequests(message)
            | WebError::Unprocessable(message)
            | WebError::Unavailable(message) => message.clone(),
            WebError::Unauthorized => self.to_string(),
            WebError::Store(err @ (StoreError::NotFound { .. } | StoreError::Conflict { .. })) => {
                err.to_string()
            }
            WebError::Store(err) => {
                tracing::error!(error = %err, "store error while serving a request");
                "internal server error".to_string()
            }
            WebError::Internal(message) => {
                tracing::error!(error = %message, "internal error while serving a request");
                "internal server error".to_string()
            }
        }
    }
}

/// The JSON body of every API error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error inside an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable kind: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `too_many_requests`, `payload_too_large`, `internal`.
    pub code: String,
    /// What went wrong, for humans: what to fix and where.
    pub message: String,
}

impl ErrorBody {
    /// A body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

/// The stable code of an HTTP error status, as [`ErrorDetail::code`] spells it.
pub fn status_code_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// A [`WebError`] answered as an [`ErrorBody`] with the matching status.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = ErrorBody::new(status_code_name(status), self.0.public_message());
        let mut response = (status, Json(body)).into_response();
        if matches!(self.0, WebError::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        response
    }
}

/// A [`WebError`] answered as an HTML page with the matching status.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(err: E) -> Self {
        PageError(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let message = self.0.public_message();
        (status, crate::routes::pages::error_page(status, &message)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_internals_are_not_public() {
        let err = WebError::from(StoreError::Worker("disk /secret/path exploded".into()));
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.public_message(), "internal server error");

        let missing = WebError::from(StoreError::NotFound {
            what: "workspace",
            id: 7,
        });
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.public_message().contains("workspace 7"));
    }
}
