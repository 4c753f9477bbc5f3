//! How the client reaches a server: a [`Transport`] posts one SOAP envelope and returns the
//! HTTP reply. [`HttpTransport`] speaks HTTP (reqwest, no TLS); tests plug in fakes.

use std::future::Future;
use std::pin::Pin;

use crate::codec::soap::SoapVersion;

/// A boxed, sendable future (the transport and acquirer traits are object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Largest reply body read (ours): 4 MiB.
pub const MAX_REPLY_BYTES: usize = 4 << 20;

/// One SOAP request: where, which operation, which SOAP version, and the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapCall {
    /// The endpoint URL, e.g. the discovery service or `OrganizationDetail.CrmServiceUrl`.
    pub url: String,
    /// The SOAP action URI, e.g. the discovery service's [`crate::codec::discovery::SOAP_ACTION`].
    pub action: &'static str,
    /// SOAP 1.1 or 1.2: decides the `Content-Type` and where the action goes.
    pub version: SoapVersion,
    /// The envelope, serialized.
    pub body: String,
}

impl SoapCall {
    /// The HTTP headers the call is sent with: SOAP 1.1 `Content-Type: text/xml` and a quoted
    /// `SOAPAction`; SOAP 1.2 the action inside `application/soap+xml`.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![("Content-Type", self.version.content_type(self.action))];
        if self.version == SoapVersion::V11 {
            h.push(("SOAPAction", format!("\"{}\"", self.action)));
        }
        h
    }
}

/// An HTTP reply: status, `Content-Type` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when present and valid text.
    pub content_type: Option<String>,
    /// The body, at most [`MAX_REPLY_BYTES`].
    pub body: Vec<u8>,
}

/// A transport failure (the client adds the step and maps it to a `ClientError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The transport's timeout fired.
    #[error("timed out")]
    Timeout,
    /// The reply body exceeded [`MAX_REPLY_BYTES`].
    #[error("reply larger than {MAX_REPLY_BYTES} bytes")]
    TooLarge,
    /// Any other failure (connect, reset, protocol), as text; never holds a body.
    #[error("{0}")]
    Other(String),
}

/// Posts SOAP envelopes. Object safe, so clients hold an `Arc<dyn Transport>`.
pub trait Transport: Send + Sync {
    /// Posts `call` and returns the whole reply, whatever its status; `Err` only when the
    /// transport fails.
    fn post(&self, call: SoapCall) -> BoxFuture<'_, Result<HttpReply, TransportError>>;
}

/// HTTP over reqwest (plain HTTP; the harness talks to loopback servers).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport with a connection pool; the client applies its own timeout per call.
    pub fn new() -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| TransportError::Other(e.to_string()))?;
        Ok(HttpTransport { client })
    }
}

impl Transport for HttpTransport {
    fn post(&self, call: SoapCall) -> BoxFuture<'_, Result<HttpReply, TransportError>> {
        Box::pin(async move {
            let mut req = self.client.post(&call.url);
            for (k, v) in call.headers() {
                req = req.header(k, v);
            }
            let mut resp = req.body(call.body).send().await.map_err(map_err)?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(map_err)? {
                if body.len() + chunk.len() > MAX_REPLY_BYTES {
                    return Err(TransportError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpReply { status, content_type, body })
        })
    }
}

fn map_err(e: reqwest::Error) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout
    } else {
        // reqwest's Display names the URL, never the body.
        TransportError::Other(e.to_string())
    }
}
