//! TLS to PostgreSQL, chosen by the URL's `sslmode` the way libpq reads it:
//!
//! - absent or `disable`: no TLS (the default here: rapport's own deployments put the
//!   database on a private network or a local socket; say `sslmode` to get TLS);
//! - `prefer`: TLS when the server offers it, else plain; the certificate is not checked;
//! - `require`: TLS or no connection; the certificate is checked only when `sslrootcert`
//!   names a CA file (libpq does the same);
//! - `verify-ca` and `verify-full`: TLS, the certificate chain checked against `sslrootcert`
//!   (or the Mozilla roots of `webpki-roots` without it) and its name against the host
//!   (`verify-ca` is as strict as `verify-full` here).
//!
//! `sslrootcert=FILE` (PEM) is read by rapport, not by tokio-postgres, and taken out of the
//! URL before it is parsed. TLS is rustls with the ring provider, as for every other
//! connection rapport makes.

use crate::StoreError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a connection string asks for TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TlsMode {
    /// No TLS.
    Off,
    /// TLS without checking the server's certificate (`prefer`, `require`).
    Unverified,
    /// TLS with the chain and the host name checked against these roots.
    Verified {
        /// A PEM file of trusted CAs; the Mozilla roots when `None`.
        root_cert: Option<String>,
    },
}

/// The parsed configuration and the TLS it asks for. Accepts both URL and `key=value`
/// connection strings; the error never repeats the string (it may hold a password).
pub(super) fn parse(url: &str) -> Result<(tokio_postgres::Config, TlsMode), String> {
    let (rest, root_cert) = take_param(url, "sslrootcert");
    let (rest, mode) = take_param(&rest, "sslmode");
    let mut config = tokio_postgres::Config::from_str(&rest)
        .map_err(|e| format!("it is not a valid connection string ({e})"))?;
    let tls = match mode.as_deref() {
        None | Some("disable") => TlsMode::Off,
        Some("allow" | "prefer") => {
            config.ssl_mode(SslMode::Prefer);
            TlsMode::Unverified
        }
        Some("require") if root_cert.is_none() => {
            config.ssl_mode(SslMode::Require);
            TlsMode::Unverified
        }
        Some("require" | "verify-ca" | "verify-full") => {
            config.ssl_mode(SslMode::Require);
            TlsMode::Verified { root_cert }
        }
        Some(other) => {
            return Err(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            ))
        }
    };
    if tls == TlsMode::Off {
        config.ssl_mode(SslMode::Disable);
    }
    Ok((config, tls))
}

/// The connector for `mode` (with `Off` it is never used: `sslmode` is then `disable`).
pub(super) fn connector(mode: &TlsMode) -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("cannot set up TLS: {e}")))?;
    let config = match mode {
        TlsMode::Off | TlsMode::Unverified => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
        TlsMode::Verified { root_cert } => {
            let mut roots = RootCertStore::empty();
            match root_cert {
                Some(path) => {
                    let certs = CertificateDer::pem_file_iter(path)
                        .map_err(|e| tls_error(format!("cannot read sslrootcert {path}: {e}")))?;
                    for cert in certs {
                        let cert = cert.map_err(|e| {
                            tls_error(format!("sslrootcert {path} is not PEM certificates: {e}"))
                        })?;
                        roots.add(cert).map_err(|e| {
                            tls_error(format!("sslrootcert {path} holds a bad certificate: {e}"))
                        })?;
                    }
                    if roots.is_empty() {
                        return Err(tls_error(format!(
                            "sslrootcert {path} holds no certificate"
                        )));
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

fn tls_error(message: String) -> StoreError {
    StoreError::Connect {
        target: "PostgreSQL over TLS".into(),
        message,
    }
}

/// Removes `key=value` from a URL's query or a `key=value` string; returns the rest and the
/// value.
fn take_param(url: &str, key: &str) -> (String, Option<String>) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None);
        };
        let mut value = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| match pair.split_once('=') {
                Some((k, v)) if k == key => {
                    value = Some(v.to_string());
                    false
                }
                _ => true,
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, value)
    } else {
        let mut value = None;
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|pair| match pair.split_once('=') {
                Some((k, v)) if k == key => {
                    value = Some(v.trim_matches('\'').to_string());
                    false
                }
                _ => true,
            })
            .collect();
        (kept.join(" "), value)
    }
}

/// Accepts any certificate (libpq's `prefer` and `require` without a root file): the
/// connection is encrypted against a passive listener, not authenticated. Signatures are
/// still checked, so the handshake itself is sound.
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_read_and_taken_out() {
        let (config, mode) = parse("postgres://u@h:5432/db").unwrap();
        assert_eq!(mode, TlsMode::Off);
        assert_eq!(config.get_ssl_mode(), SslMode::Disable);
        let (config, mode) = parse("postgres://u@h/db?sslmode=require&application_name=x").unwrap();
        assert_eq!(mode, TlsMode::Unverified);
        assert_eq!(config.get_ssl_mode(), SslMode::Require);
        assert_eq!(config.get_application_name(), Some("x"));
        let (_, mode) =
            parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap();
        assert_eq!(
            mode,
            TlsMode::Verified {
                root_cert: Some("/etc/ca.pem".into())
            }
        );
        let (_, mode) = parse("host=h user=u sslmode=verify-ca").unwrap();
        assert_eq!(mode, TlsMode::Verified { root_cert: None });
        let err = parse("postgres://u:secret@h/db?sslmode=sometimes").unwrap_err();
        assert!(
            err.contains("sslmode=sometimes") && !err.contains("secret"),
            "{err}"
        );
    }
}
