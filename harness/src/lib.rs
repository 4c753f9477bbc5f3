pub mod check;
pub mod cli;
pub mod codec;
pub mod gen;
pub mod pipeline;
pub mod scenario;
