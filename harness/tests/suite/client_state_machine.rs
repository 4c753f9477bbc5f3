//! The long-lived client against a reference model (proptest-state-machine), over an
//! in-process fake CRM transport. Transitions: calls, server-side ticket expiry, injected
//! faults (expired and other codes), explicit refreshes. Checked after every call:
//! CLIENT-RETRY-BOUND, CLIENT-RETRY-ONLY-EXPIRED, CLIENT-IMPERSONATION (PROTOCOL 2.3, 2.4).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crmauth::client::flow::FlowSettings;
use crmauth::client::transport::{BoxFuture, HttpReply, SoapCall, Transport, TransportError};
use crmauth::client::{ClientError, CrmClient, PassportTicketScheme, SharedSecretAcquirer};
use crmauth::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crmauth::codec::fault::{encode_fault, read_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceResponse};
use crmauth::codec::Ticket;
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use uuid::Uuid;

const SERVICE_PUID: &str = "0003BFFD5E5E0001";
const USER_PUID: &str = "0003BFFD00000B0B";
const SERVICE_ID: Uuid = Uuid::from_u128(0x5e);
const USER_ID: Uuid = Uuid::from_u128(0xb0b);
const OTHER_CODES: [ErrorCode; 4] = [
    ErrorCode(0x8004_A100),
    ErrorCode(0x8004_A104),
    ErrorCode(0x8004_A110),
    ErrorCode(0x8004_0220),
];

/// What the fake server saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    TicketIssued(String),
    ServiceCall { ticket: String, caller: Uuid, fault: Option<ErrorCode> },
}

#[derive(Debug, Default)]
struct FakeState {
    issued: u64,
    /// Tickets and whether they are still valid.
    tickets: Vec<(String, bool)>,
    inject: VecDeque<ErrorCode>,
    events: Vec<Event>,
    /// The last fault body sent, to check faults come back unchanged.
    last_fault: Option<Vec<u8>>,
}

/// A CRM server in memory: discovery (checks the WLID ticket) and WhoAmI.
#[derive(Debug, Default)]
struct Fake {
    st: Mutex<FakeState>,
}

fn reply(status: u16, body: String) -> HttpReply {
    HttpReply { status, content_type: Some("text/xml".into()), body: body.into_bytes() }
}

impl Fake {
    fn handle(&self, call: SoapCall) -> HttpReply {
        let v = call.version;
        let mut st = self.st.lock().unwrap();
        if call.url.ends_with("CrmDiscoveryService.asmx") {
            let req = discovery::decode_request(call.body.as_bytes())
                .expect("client sends decodable requests");
            let wlid_ok = |t: &Ticket| {
                PassportTicketScheme::default().verify(t).as_deref() == Some(SERVICE_PUID)
            };
            let org = OrganizationDetail {
                organization_id: Uuid::from_u128(1),
                organization_name: Some("Contoso".into()),
                friendly_name: Some("Contoso Ltd".into()),
                crm_metadata_service_url: None,
                crm_service_url: Some("fake://crm/MSCRMServices/2007/CrmService.asmx".into()),
                web_application_url: None,
            };
            let resp = match req {
                DiscoveryRequest::RetrievePolicy => {
                    DiscoveryResponse::RetrievePolicy { policy: Some("MBI_SSL".into()) }
                }
                DiscoveryRequest::RetrieveOrganizations {
                    credentials: Credentials::Passport { passport_ticket },
                } => {
                    assert!(wlid_ok(&passport_ticket));
                    DiscoveryResponse::RetrieveOrganizations { organization_details: vec![org] }
                }
                DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                    external_id,
                    passport_ticket,
                    ..
                } => {
                    assert!(wlid_ok(&passport_ticket));
                    assert_eq!(external_id, USER_PUID);
                    DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: USER_ID }
                }
                DiscoveryRequest::RetrieveCrmTicket {
                    credentials: Credentials::Passport { passport_ticket },
                    ..
                } => {
                    assert!(wlid_ok(&passport_ticket));
                    st.issued += 1;
                    let t = format!("T{}", st.issued);
                    st.tickets.push((t.clone(), true));
                    st.events.push(Event::TicketIssued(t.clone()));
                    DiscoveryResponse::RetrieveCrmTicket {
                        crm_ticket: Some(Ticket::new(t)),
                        organization_detail: Some(org),
                        expiration_date: None,
                    }
                }
                other => panic!("unexpected {other:?}"),
            };
            return reply(200, discovery::encode_response(&resp, v, &discovery::prefixes(v)));
        }
        let (h, _) = service::decode_request(call.body.as_bytes()).expect("decodable");
        let token = h.token.expect("token");
        let ticket = token.crm_ticket.map(|t| t.reveal().to_owned()).unwrap_or_default();
        let valid = st.tickets.iter().any(|(t, ok)| *t == ticket && *ok);
        let fault = st.inject.pop_front().or((!valid).then_some(ErrorCode::EXPIRED_TICKET));
        st.events.push(Event::ServiceCall { ticket, caller: token.caller_id, fault });
        match fault {
            Some(code) => {
                let body = encode_fault(v, code, "fake");
                st.last_fault = Some(body.clone().into_bytes());
                reply(500, body)
            }
            None => {
                let r = ServiceResponse::WhoAmI {
                    user_id: SERVICE_ID,
                    business_unit_id: Uuid::nil(),
                    organization_id: Uuid::from_u128(1),
                };
                reply(200, service::encode_response(&r, v, &service::prefixes(v)))
            }
        }
    }
}

impl Transport for Fake {
    fn post(&self, call: SoapCall) -> BoxFuture<'_, Result<HttpReply, TransportError>> {
        let r = self.handle(call);
        Box::pin(async move { Ok(r) })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Transition {
    Call,
    ExpireTickets,
    Inject(Vec<ErrorCode>),
    Refresh,
}

/// What the model says a call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    Ok,
    Fault(ErrorCode),
    Exhausted(u32),
}

#[derive(Debug, Clone)]
struct Model {
    max_retries: u32,
    connected: bool,
    ticket_valid: bool,
    inject: VecDeque<ErrorCode>,
    last: Option<Expected>,
}

struct RefMachine;

impl ReferenceStateMachine for RefMachine {
    type State = Model;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Model> {
        (1u32..=4)
            .prop_map(|max_retries| Model {
                max_retries,
                connected: false,
                ticket_valid: false,
                inject: VecDeque::new(),
                last: None,
            })
            .boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Transition> {
        let code = prop_oneof![3 => Just(ErrorCode::EXPIRED_TICKET), 1 => proptest::sample::select(OTHER_CODES.to_vec())];
        prop_oneof![
            4 => Just(Transition::Call),
            2 => Just(Transition::ExpireTickets),
            2 => proptest::collection::vec(code, 1..5).prop_map(Transition::Inject),
            1 => Just(Transition::Refresh),
        ]
        .boxed()
    }

    fn apply(mut s: Model, t: &Transition) -> Model {
        s.last = None;
        match t {
            Transition::ExpireTickets => s.ticket_valid = false,
            Transition::Inject(codes) => s.inject.extend(codes.iter().copied()),
            Transition::Refresh => {
                s.connected = true;
                s.ticket_valid = true;
            }
            Transition::Call => {
                let mut attempt = 0;
                let result = loop {
                    attempt += 1;
                    if !s.connected {
                        s.connected = true;
                        s.ticket_valid = true;
                    }
                    let fault = s
                        .inject
                        .pop_front()
                        .or((!s.ticket_valid).then_some(ErrorCode::EXPIRED_TICKET));
                    match fault {
                        None => break Expected::Ok,
                        Some(c) if c.is_expired_ticket() => {
                            if attempt >= s.max_retries {
                                break Expected::Exhausted(attempt);
                            }
                            s.ticket_valid = true; // a fresh ticket
                        }
                        Some(c) => break Expected::Fault(c),
                    }
                };
                s.last = Some(result);
            }
        }
        s
    }
}

struct Sut {
    rt: tokio::runtime::Runtime,
    fake: Arc<Fake>,
    client: CrmClient,
}

struct ClientMachine;

impl StateMachineTest for ClientMachine {
    type SystemUnderTest = Sut;
    type Reference = RefMachine;

    fn init_test(model: &Model) -> Sut {
        let fake = Arc::new(Fake::default());
        let mut fs = FlowSettings::new("fake://crm", SERVICE_PUID, "Contoso Ltd", USER_PUID);
        fs.max_retries = model.max_retries;
        fs.timeout = Duration::from_secs(5);
        let client =
            CrmClient::new(fake.clone(), Arc::new(SharedSecretAcquirer::default()), fs).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        Sut { rt, fake, client }
    }

    fn apply(mut sut: Sut, model: &Model, t: Transition) -> Sut {
        match t {
            Transition::ExpireTickets => {
                for (_, ok) in &mut sut.fake.st.lock().unwrap().tickets {
                    *ok = false;
                }
            }
            Transition::Inject(codes) => sut.fake.st.lock().unwrap().inject.extend(codes),
            Transition::Refresh => sut.rt.block_on(sut.client.refresh_ticket()).unwrap(),
            Transition::Call => {
                let seen = sut.fake.st.lock().unwrap().events.len();
                let result = sut.rt.block_on(sut.client.who_am_i());
                let st = sut.fake.st.lock().unwrap();
                let events = &st.events[seen..];
                let calls: Vec<(&String, Uuid, Option<ErrorCode>)> = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::ServiceCall { ticket, caller, fault } => {
                            Some((ticket, *caller, *fault))
                        }
                        _ => None,
                    })
                    .collect();
                // CLIENT-IMPERSONATION: every call carries the user's CRM id as CallerId.
                assert!(calls.iter().all(|c| c.1 == USER_ID), "CLIENT-IMPERSONATION: {calls:?}");
                // CLIENT-RETRY-BOUND: at most max_retries attempts ...
                assert!(calls.len() as u32 <= model.max_retries, "CLIENT-RETRY-BOUND: {events:?}");
                // ... and each retry with a ticket obtained after the previous attempt.
                for w in 0..calls.len().saturating_sub(1) {
                    let pos = |i: usize| {
                        let mut n = 0;
                        events
                            .iter()
                            .position(|e| {
                                matches!(e, Event::ServiceCall { .. }) && {
                                    n += 1;
                                    n == i + 1
                                }
                            })
                            .unwrap()
                    };
                    let (a, b) = (pos(w), pos(w + 1));
                    let next = calls[w + 1].0;
                    assert!(
                        events[a..b]
                            .iter()
                            .any(|e| matches!(e, Event::TicketIssued(t) if t == next)),
                        "CLIENT-RETRY-BOUND: retry {w} without a fresh ticket: {events:?}"
                    );
                    assert_eq!(
                        calls[w].2,
                        Some(ErrorCode::EXPIRED_TICKET),
                        "only an expired ticket is retried"
                    );
                }
                let expected = model.last.clone().expect("the model computed the call");
                match (&expected, &result) {
                    (Expected::Ok, Ok(id)) => assert_eq!(*id, SERVICE_ID),
                    (Expected::Fault(code), Err(e @ ClientError::Fault { fault, .. })) => {
                        // CLIENT-RETRY-ONLY-EXPIRED: returned at once, unchanged.
                        assert_eq!(fault.code, Some(*code), "{e}");
                        let sent = st.last_fault.as_ref().unwrap();
                        assert_eq!(**fault, read_fault(sent).unwrap(), "the fault unchanged");
                        assert_eq!(calls.last().unwrap().2, Some(*code));
                        assert!(
                            !matches!(events.last(), Some(Event::TicketIssued(_))),
                            "no ticket after the fault"
                        );
                    }
                    (
                        Expected::Exhausted(n),
                        Err(ClientError::RetriesExhausted { attempts, last }),
                    ) => {
                        assert_eq!(attempts, n);
                        assert_eq!(calls.len() as u32, *n);
                        assert!(last.is_expired_ticket());
                    }
                    _ => {
                        panic!("model says {expected:?}, client gave {result:?}; events {events:?}")
                    }
                }
            }
        }
        sut
    }
}

prop_state_machine! {
    #![proptest_config(Config { cases: 48, failure_persistence: None, ..Config::default() })]
    #[test]
    fn client_retry_and_impersonation_against_the_model(sequential 1..24 => ClientMachine);
}
