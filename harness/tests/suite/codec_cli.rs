//! The CLI glue, called directly (no binary).

use crmauth::cli::codec as cli_codec;

use cli_codec::{decode_bytes, encode_bytes, wsdl_check, DecodeKind, EncodeKind, WsdlCheckArgs};
use crmauth::cli::{CliError, Exit};
use crmauth::codec::SoapVersion;
use serde_json::json;

#[test]
fn fault_json_shape() {
    for v in SoapVersion::ALL {
        let xml = encode_bytes(
            EncodeKind::Fault,
            "f.json",
            br#"{"code":"0x8004a101","description":"expired"}"#,
            v,
        )
        .unwrap();
        let j = decode_bytes(DecodeKind::Fault, "f.xml", xml.as_bytes(), false).unwrap();
        assert_eq!(j["code"], "8004A101");
        assert_eq!(j["seed_code"], "0x8004A101");
        assert_eq!(j["expired_ticket"], true);
        assert_eq!(j["meaning"], "expired ticket");
        assert_eq!(j["soap_version"], if v == SoapVersion::V11 { "1.1" } else { "1.2" });
        assert_eq!(j["faultstring"], "Server was unable to process request.");
    }
    let nocode = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>"#;
    let j = decode_bytes(DecodeKind::Fault, "n.xml", nocode, false).unwrap();
    assert_eq!((j["code"].clone(), j["expired_ticket"].clone()), (json!(null), json!(false)));
}

#[test]
fn token_redacted_unless_revealed() {
    let input = br#"{"authentication_type":"Passport","crm_ticket":"SECRET-TICKET-VALUE-1234567890","organization_name":"Contoso","caller_id":"6f1c2b0e-4a3d-4c8e-9b7a-0d2e5f6a7b8c"}"#;
    let xml = encode_bytes(EncodeKind::Token, "t.json", input, SoapVersion::V12).unwrap();
    let red = decode_bytes(DecodeKind::Token, "t.xml", xml.as_bytes(), false).unwrap().to_string();
    assert!(!red.contains("SECRET-TICKET-VALUE-1234567890") && red.contains("SECRET"), "{red}");
    let full = decode_bytes(DecodeKind::Token, "t.xml", xml.as_bytes(), true).unwrap();
    assert_eq!(full["token"]["crm_ticket"], "SECRET-TICKET-VALUE-1234567890");
    assert_eq!(full["soap_version"], "1.2");
    let env = decode_bytes(DecodeKind::Envelope, "t.xml", xml.as_bytes(), false).unwrap();
    assert_eq!(env["message"]["service_request"]["type"], "WhoAmI");
}

#[test]
fn input_errors_name_file_and_offset_exit_2() {
    let e = decode_bytes(DecodeKind::Token, "bad.xml", b"<a><!DOCTYPE x></a>", false).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let msg = e.to_string();
    assert!(msg.starts_with("bad.xml: at byte ") && msg.contains("DOCTYPE"), "{msg}");
    let e = encode_bytes(EncodeKind::Fault, "f.json", b"{\"code\": \"zz\"}", SoapVersion::V11)
        .unwrap_err();
    assert!(matches!(e, CliError::Decode { .. }) && e.exit_code() == 2, "{e}");
    let e = crmauth::cli::read_bytes("/nonexistent/file").unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn discovery_cookie_rps() {
    let req = br#"{"request":{"type":"RetrieveCrmTicket","organization_name":"Contoso","credentials":{"passport_ticket":"PT-0123456789"}}}"#;
    let xml = encode_bytes(EncodeKind::Discovery, "d.json", req, SoapVersion::V11).unwrap();
    let j = decode_bytes(DecodeKind::Discovery, "d.xml", xml.as_bytes(), true).unwrap();
    assert_eq!(j, serde_json::from_slice::<serde_json::Value>(req).unwrap());
    let c = decode_bytes(
        DecodeKind::Cookie,
        "c.txt",
        b"a=1; MSCRMSession=ticket=T%2B1&expiration=2\n",
        true,
    )
    .unwrap();
    assert_eq!(c["cookie_exist"], true);
    assert_eq!(c["session"], json!({"ticket": "T+1", "expiration": "2"}));
    let r = decode_bytes(DecodeKind::Rps, "r.json", br#"{"auth_state":2}"#, false).unwrap();
    assert_eq!(r["decision"], json!({"decision": "silent_auth_redirect"}));
}

#[test]
fn wsdl_check_exit_codes() {
    let dir = std::env::temp_dir().join(format!("crmauth-wsdl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("self.wsdl"), crmauth::codec::schema::table_as_wsdl()).unwrap();
    let mut out = Vec::new();
    assert_eq!(wsdl_check(&WsdlCheckArgs { dir: dir.clone() }, &mut out).unwrap(), Exit::Success);
    let broken =
        crmauth::codec::schema::table_as_wsdl().replace("name=\"CallerId\"", "name=\"CallerID\"");
    std::fs::write(dir.join("self.wsdl"), broken).unwrap();
    let mut out = Vec::new();
    assert_eq!(wsdl_check(&WsdlCheckArgs { dir: dir.clone() }, &mut out).unwrap(), Exit::Failed);
    assert!(String::from_utf8_lossy(&out).contains("CallerId"));
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(wsdl_check(&WsdlCheckArgs { dir }, &mut Vec::new()).unwrap_err().exit_code(), 2);
}
