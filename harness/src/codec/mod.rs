//! Placeholder codecs until the codec branch lands (replaced wholesale at merge).
pub mod cookie;
pub mod fault;
pub mod redact;
pub mod token;
