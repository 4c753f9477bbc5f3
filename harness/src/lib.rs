pub mod codec; pub mod pipeline;
