pub mod cli;
pub mod codec;
pub mod pipeline;
pub mod scenario;
