//! Placeholder codecs until the codec branch lands (replaced wholesale at merge).
pub mod cookie;
pub mod redact;
pub mod token;
pub mod fault;
