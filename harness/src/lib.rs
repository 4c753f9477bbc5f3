pub mod check;
pub mod cli;
pub mod client;
pub mod codec;
pub mod generate;
pub mod pipeline;
pub mod scenario;
pub mod server;
