"""The other direction: every message `crmauth encode` writes is parsed by zeep's strict
deserializer for the real WSDL's operation, SOAP 1.1 and 1.2, with nothing dropped: every
leaf value crmauth wrote is in what zeep read, and every xsi:type is the type zeep built."""

import datetime
import decimal
import json
import subprocess

import pytest
from lxml import etree
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from conftest import BIN, DISCO, ROOT, WS, service

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ORG = {
    "organization_id": "c0c0c0c0-0000-0000-0000-000000000001",
    "organization_name": "Contoso",
    "friendly_name": "Contoso Ltd",
    "crm_metadata_service_url": "http://h/MSCRMServices/2007/MetadataService.asmx",
    "crm_service_url": "http://h/MSCRMServices/2007/CrmService.asmx",
    "web_application_url": "http://h/Contoso/",
}
ORG2 = {"organization_id": "fabf0000-0000-0000-0000-000000000002", "friendly_name": "Fabrikam"}
PASSPORT = {"passport_ticket": "FAKE-PASSPORT-TICKET-1"}
USERPASS = {"user_id": "CONTOSO\\ann", "password": "fake-password"}

DISCOVERY = {
    "policy_request": {"request": {"type": "RetrievePolicy"}},
    "organizations_request_passport": {
        "request": {"type": "RetrieveOrganizations", "credentials": PASSPORT}},
    "organizations_request_userpass": {
        "request": {"type": "RetrieveOrganizations", "credentials": USERPASS}},
    "organizations_request_windows": {
        "request": {"type": "RetrieveOrganizations", "credentials": None}},
    "crm_ticket_request_passport": {"request": {
        "type": "RetrieveCrmTicket", "organization_name": "Contoso", "credentials": PASSPORT}},
    "crm_ticket_request_userpass": {"request": {
        "type": "RetrieveCrmTicket", "organization_name": "Contoso", "credentials": USERPASS}},
    "policy_response": {"response": {"type": "RetrievePolicy", "policy": "MBI_SSL"}},
    "organizations_response": {"response": {
        "type": "RetrieveOrganizations", "organization_details": [ORG, ORG2]}},
    "organizations_response_empty": {"response": {
        "type": "RetrieveOrganizations", "organization_details": []}},
    "crm_ticket_response": {"response": {
        "type": "RetrieveCrmTicket", "crm_ticket": "FAKE-CRM-TICKET-1",
        "organization_detail": ORG, "expiration_date": "2030-01-01T00:00:00Z"}},
}
# RetrieveCrmUserIdByExternalId{Request,Response} are CRM Online only: the on-premise WSDL
# zeep loads has no such types, so zeep cannot read them (they are checked in Rust only).

TOKENS = {
    "token_passport_impersonating": {
        "authentication_type": "Passport", "crm_ticket": "FAKE-CRM-TICKET-2",
        "organization_name": "Contoso", "caller_id": "b0b00000-0000-0000-0000-000000000002"},
    "token_ad_minimal": {
        "authentication_type": "Ad", "caller_id": "00000000-0000-0000-0000-000000000000"},
    "token_spla": {
        "authentication_type": "Spla", "crm_ticket": "FAKE-CRM-TICKET-3",
        "organization_name": "Contoso", "caller_id": "00000000-0000-0000-0000-000000000000"},
}


def encode(kind: str, payload, version: str) -> bytes:
    r = subprocess.run([BIN, "encode", kind, "-", "--soap", version], cwd=ROOT,
                       input=json.dumps(payload).encode(), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def leaves(xml: bytes):
    """(local name, text) of every element of Header and Body with text and no children."""
    root = etree.fromstring(xml)
    out = []
    for part in root:
        for e in part.iter():
            if isinstance(e.tag, str) and len(e) == 0 and (e.text or "").strip():
                out.append((etree.QName(e).localname, e.text.strip()))
    return out


def typed(xml: bytes):
    """The local names of every xsi:type crmauth wrote."""
    return [e.get(XSI_TYPE).split(":")[-1] for e in etree.fromstring(xml).iter()
            if isinstance(e.tag, str) and e.get(XSI_TYPE)]


def values(obj, out):
    """Every scalar zeep read, as text, and the names of the types of its objects."""
    if hasattr(obj, "_xsd_type") and obj._xsd_type is not None:
        out.add(("type", obj._xsd_type.name))
    if hasattr(obj, "__values__"):
        for v in obj.__values__.values():
            values(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            values(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            values(v, out)
    elif isinstance(obj, bool):
        out.add(("text", "true" if obj else "false"))
    elif isinstance(obj, (int, decimal.Decimal, str, datetime.datetime)):
        out.add(("text", str(obj)))
    return out


def assert_nothing_dropped(xml: bytes, parsed):
    got = values(parsed, set())
    missing = [(n, t) for n, t in leaves(xml) if ("text", t) not in got]
    assert not missing, f"zeep dropped {missing}; it read {serialize_object(parsed)}"
    lost_types = [t for t in typed(xml) if ("type", t) not in got]
    assert not lost_types, f"zeep did not build {lost_types}"


def body(message, xml: bytes):
    """zeep's value of the body element itself (the envelope deserializer unwraps a
    single child, which would hide the xsi:type of Request/Response)."""
    element = etree.fromstring(xml).find("{*}Body")[0]
    return message.body.parse(element, message.wsdl.types)


def operation(client, tns, name, version, op):
    svc = service(client, tns, name, version, "http://127.0.0.1:9/")
    return svc._binding, svc._binding._operations[op]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("case", sorted(DISCOVERY))
def test_discovery_messages_parse(disco_client, case, version):
    payload = DISCOVERY[case]
    xml = encode("discovery", payload, version)
    _, op = operation(disco_client, DISCO, "CrmDiscoveryService", version, "Execute")
    message = op.input if "request" in payload else op.output
    message.deserialize(etree.fromstring(xml))  # the whole envelope, as a client reads it
    assert_nothing_dropped(xml, body(message, xml))


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("case", sorted(TOKENS))
def test_token_envelopes_parse(crm_client, case, version):
    xml = encode("token", TOKENS[case], version)
    _, op = operation(crm_client, WS, "CrmService", version, "Execute")
    parsed = op.input.deserialize(etree.fromstring(xml))
    assert_nothing_dropped(xml, [parsed, body(op.input, xml)])
    token = parsed.header.CrmAuthenticationToken
    want = {"Ad": 0, "Passport": 1, "Spla": 2}[TOKENS[case]["authentication_type"]]
    assert token.AuthenticationType == want
    assert token.CallerId == TOKENS[case]["caller_id"]
    # The WSDL requires OptionalParameters (zeep reads the empty array as None).
    request = etree.fromstring(xml).find(f".//{{{WS}}}Request")
    assert [etree.QName(c).localname for c in request] == ["OptionalParameters"]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("code", ["8004A101", "8004A110", "80040204"])
def test_faults_parse(crm_client, code, version):
    xml = encode("fault", {"code": code, "description": "described <here> & now"}, version)
    binding, op = operation(crm_client, WS, "CrmService", version, "Execute")
    with pytest.raises(Fault) as f:
        binding.process_error(etree.fromstring(xml), op)
    assert f.value.message == "Server was unable to process request."
    detail_text = [(etree.QName(e).localname, (e.text or "").strip())
                   for e in f.value.detail.iter()]
    assert ("code", f"0x{code}") in detail_text
    assert ("description", "described <here> & now") in detail_text
    assert ("type", "Platform") in detail_text
