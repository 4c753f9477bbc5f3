pub mod codec;
pub mod pipeline;
pub mod scenario;
pub mod cli;
