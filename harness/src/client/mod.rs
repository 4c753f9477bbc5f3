//! The client side of PROTOCOL section 2: the server-to-server impersonation flow of the
//! seed (2.3), the long-lived [`CrmClient`] that refreshes its ticket, and the expired
//! ticket retry (invariants CLIENT-RETRY-BOUND, CLIENT-RETRY-ONLY-EXPIRED,
//! CLIENT-IMPERSONATION).
//!
//! The client speaks only through the codecs and a [`transport::Transport`]; it knows
//! nothing of the server pipeline.

pub mod error;
pub mod flow;
pub mod load;
pub mod ticket;
pub mod transport;

pub use error::{ClientError, Step};
pub use flow::{run_impersonation_flow, ClientStats, CrmClient, FlowReport, FlowSettings};
pub use ticket::{PassportTicketScheme, SharedSecretAcquirer, TicketAcquirer};
pub use transport::{HttpReply, HttpTransport, SoapCall, Transport};
