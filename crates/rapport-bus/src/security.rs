//! How rapport authenticates to NATS and encrypts the connection.
//!
//! - TLS: a `tls://` server URL (or [`NatsSecurity::require_tls`]) insists on TLS; the
//!   server's certificate is checked against the system's roots plus [`NatsSecurity::ca_file`]
//!   (a PEM file, for a private CA). A NATS server that requires TLS is answered with TLS
//!   whatever the URL's scheme.
//! - Mutual TLS: [`NatsSecurity::client_cert`] and [`NatsSecurity::client_key`] (PEM), for a
//!   server started with `verify: true`.
//! - Credentials: a user and password or a token in the URL (`nats://user:pass@host:4222`,
//!   `nats://token@host:4222`), or an NKey/JWT `.creds` file ([`NatsSecurity::creds_file`],
//!   the format `nsc` writes for NATS's decentralised accounts).
//!
//! The URL's credentials never leave this crate in clear: [`redact_url`] is what errors and
//! `Debug` show.

use std::path::PathBuf;

/// TLS and credentials for the NATS connection; the default is plain, anonymous (or
/// whatever the URL carries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatsSecurity {
    /// Refuse a connection that is not TLS, even with a `nats://` URL.
    pub require_tls: bool,
    /// A PEM file of the CA(s) that signed the servers' certificates, trusted beside the
    /// system's roots.
    pub ca_file: Option<PathBuf>,
    /// A PEM client certificate, for servers that verify clients (needs `client_key`).
    pub client_cert: Option<PathBuf>,
    /// The client certificate's PEM private key.
    pub client_key: Option<PathBuf>,
    /// A `.creds` file (user JWT and NKey seed) for NATS's decentralised authentication.
    pub creds_file: Option<PathBuf>,
}

impl NatsSecurity {
    /// Checks that the files it names exist and the client certificate comes with its key,
    /// so a typo is reported by name before any connection is tried.
    pub fn check(&self) -> Result<(), String> {
        match (&self.client_cert, &self.client_key) {
            (Some(_), None) => return Err("a client certificate needs its key".into()),
            (None, Some(_)) => return Err("a client key needs its certificate".into()),
            _ => {}
        }
        for (what, path) in [
            ("CA file", &self.ca_file),
            ("client certificate", &self.client_cert),
            ("client key", &self.client_key),
            ("credentials file", &self.creds_file),
        ] {
            if let Some(path) = path {
                if !path.is_file() {
                    return Err(format!("the {what} {} does not exist", path.display()));
                }
            }
        }
        Ok(())
    }

    /// Applies it to connection options.
    pub(crate) async fn apply(
        &self,
        mut options: async_nats::ConnectOptions,
    ) -> Result<async_nats::ConnectOptions, String> {
        self.check()?;
        if self.require_tls {
            options = options.require_tls(true);
        }
        if let Some(ca) = &self.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        if let Some(creds) = &self.creds_file {
            options = options.credentials_file(creds).await.map_err(|e| {
                format!("cannot read the credentials file {}: {e}", creds.display())
            })?;
        }
        Ok(options)
    }
}

/// The server URL(s) with any password or token replaced by `***`, for messages and logs.
/// Comma-separated lists are redacted server by server.
pub fn redact_url(urls: &str) -> String {
    urls.split(',')
        .map(|url| {
            let url = url.trim();
            let Some((scheme, rest)) = url.split_once("://") else {
                return redact_authority(url);
            };
            format!("{scheme}://{}", redact_authority(rest))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `user:pass@host` → `user:***@host`; `token@host` → `***@host`; `host` unchanged.
fn redact_authority(rest: &str) -> String {
    // The userinfo ends at the last '@' before the path (a password may contain '@').
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}{path}"),
            None => format!("***@{host}{path}"),
        },
        None => rest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_are_redacted() {
        assert_eq!(
            redact_url("nats://rapport:s3cr@t@10.0.0.1:4222"),
            "nats://rapport:***@10.0.0.1:4222"
        );
        assert_eq!(
            redact_url("tls://tok3n@nats.example:4222"),
            "tls://***@nats.example:4222"
        );
        assert_eq!(
            redact_url("nats://a:1@h1:4222, nats://h2:4222"),
            "nats://a:***@h1:4222,nats://h2:4222"
        );
        assert_eq!(redact_url("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        assert_eq!(redact_url("localhost:4222"), "localhost:4222");
    }

    #[test]
    fn missing_files_are_named() {
        let security = NatsSecurity {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        };
        let error = security.check().unwrap_err();
        assert!(error.contains("CA file /nonexistent/ca.pem"), "{error}");
        let half = NatsSecurity {
            client_cert: Some("/tmp".into()),
            ..Default::default()
        };
        assert_eq!(
            half.check().unwrap_err(),
            "a client certificate needs its key"
        );
    }
}
