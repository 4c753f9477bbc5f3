#!/usr/bin/env python3
"""A CRM 4.0 impersonation client written with zeep, behind crmauth's client conformance
contract (docs/client-conformance.md).

    python client.py [WSDL_DIR]

Without WSDL_DIR it loads the WSDLs from the server it talks to (`...asmx?wsdl`, as SDK
clients do); with it, CrmDiscoveryService.wsdl and CrmService.wsdl from that directory.
Configuration comes from the CRMAUTH_* environment variables. Exit 0 on success, 1 when it
gives up, 2 on a bad environment. Tickets are never printed whole.
"""

import os
import sys
import uuid

import requests
import zeep
from lxml import etree

DISCO_NS = "http://schemas.microsoft.com/crm/2007/CrmDiscoveryService"
WS_NS = "http://schemas.microsoft.com/crm/2007/WebServices"
CORE_NS = "http://schemas.microsoft.com/crm/2007/CoreTypes"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DISCOVERY_PATH = "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx"
EXPIRED = "8004A101"
PASSPORT = 1


class GiveUp(Exception):
    """The client stops: exit 1."""


def field(value, name):
    """`value.name`, or `value` itself when zeep already unwrapped a one-field result."""
    if isinstance(value, dict):
        return value.get(name)
    try:
        return value[name]
    except (KeyError, TypeError, IndexError):
        return value


class RecordingTransport(zeep.Transport):
    """Keeps the last reply body, so faults are read from what the server sent."""

    last = b""

    def post(self, address, message, headers):
        r = super().post(address, message, headers)
        self.last = r.content
        return r


def fault_code(body):
    """The CRM error code of a SOAP 1.1 or 1.2 fault, read only from detail/error/code
    (optional 0x, any case, whitespace); None when the body is not such a fault."""
    try:
        root = etree.fromstring(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for ns, detail in ((SOAP11, "detail"), (SOAP12, "{%s}Detail" % SOAP12)):
        fault = root.find("{%s}Body/{%s}Fault" % (ns, ns))
        if fault is None:
            continue
        code = fault.find("%s/error/code" % detail)
        if code is None or code.text is None:
            return None
        text = code.text.strip()
        if text[:2] in ("0x", "0X"):
            text = text[2:]
        return text.upper()
    return None


class Client:
    def __init__(self, env, wsdl_dir):
        self.env = env
        self.wsdl_dir = wsdl_dir
        self.transport = RecordingTransport(timeout=30, operation_timeout=30)
        self.settings = zeep.Settings(strict=False, xml_huge_tree=True)
        url = env["CRMAUTH_URL"].rstrip("/") + DISCOVERY_PATH
        wsdl = os.path.join(wsdl_dir, "CrmDiscoveryService.wsdl") if wsdl_dir else url + "?wsdl"
        self.disco = zeep.Client(wsdl, transport=self.transport, settings=self.settings)
        self.disco_service = self.disco.create_service(
            "{%s}CrmDiscoveryServiceSoap" % DISCO_NS, url
        )
        self.crm = None

    # -- discovery -------------------------------------------------------------------
    def discover(self, type_name, **fields):
        try:
            req = self.disco.get_type("{%s}%s" % (DISCO_NS, type_name))(**fields)
        except (LookupError, zeep.exceptions.LookupError):
            return self.discover_by_hand(type_name, fields)
        try:
            return self.disco_service.Execute(Request=req)
        except Exception as e:  # noqa: BLE001 - the reply is judged below
            raise GiveUp("%s: %s (code %s)" % (type_name, type(e).__name__, fault_code(self.transport.last)))

    def discover_by_hand(self, type_name, fields):
        """A discovery request the WSDL does not describe (RetrieveCrmUserIdByExternalId
        is CRM Online only): written and read with lxml."""
        body = "".join("<%s>%s</%s>" % (k, _xml(v), k) for k, v in fields.items())
        envelope = (
            '<soap:Envelope xmlns:soap="%s" xmlns:xsi="%s"><soap:Body>'
            '<Execute xmlns="%s"><Request xsi:type="%s">%s</Request></Execute>'
            "</soap:Body></soap:Envelope>" % (SOAP11, XSI, DISCO_NS, type_name, body)
        )
        r = requests.post(
            self.env["CRMAUTH_URL"].rstrip("/") + DISCOVERY_PATH,
            data=envelope.encode("utf-8"),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": '"%s/Execute"' % DISCO_NS,
            },
            timeout=30,
        )
        if r.status_code != 200:
            raise GiveUp("%s: HTTP %d (code %s)" % (type_name, r.status_code, fault_code(r.content)))
        root = etree.fromstring(r.content)
        return {el.tag.split("}")[-1]: el.text for el in root.iter("{%s}*" % DISCO_NS)}

    def wlid_ticket(self, policy):
        r = requests.post(
            self.env["CRMAUTH_WLID_URL"],
            data={
                "username": self.env["CRMAUTH_WLID_USERNAME"],
                "password": self.env["CRMAUTH_WLID_PASSWORD"],
                "policy": policy,
            },
            timeout=30,
        )
        if r.status_code != 200:
            raise GiveUp("Windows Live stand-in: HTTP %d" % r.status_code)
        return r.json()["ticket"]

    def connect(self):
        """PROTOCOL 2.3 steps 2-6: policy, Windows Live ticket, organizations, the user's
        CRM id, a CRM ticket, the CrmService client."""
        self.policy = field(self.discover("RetrievePolicyRequest"), "Policy")
        wlid = self.wlid_ticket(self.policy)
        orgs = self.discover("RetrieveOrganizationsRequest", PassportTicket=wlid)
        details = field(field(orgs, "OrganizationDetails"), "OrganizationDetail") or []
        if not isinstance(details, list):
            details = [details]
        wanted = self.env["CRMAUTH_ORGANIZATION"]
        match = [o for o in details if o.FriendlyName == wanted]
        if not match:
            raise GiveUp("no organization has FriendlyName %r" % wanted)
        self.org_name = match[0].OrganizationName
        uid = self.discover(
            "RetrieveCrmUserIdByExternalIdRequest",
            ExternalId=self.env["CRMAUTH_IMPERSONATE_PUID"],
            PassportTicket=wlid,
            OrganizationName=self.org_name,
        )
        self.caller_id = field(uid, "CrmUserId")
        self.new_ticket(wlid)

    def new_ticket(self, wlid=None):
        """A fresh Windows Live ticket (unless given) and a fresh CRM ticket."""
        if wlid is None:
            wlid = self.wlid_ticket(self.policy)
        r = self.discover(
            "RetrieveCrmTicketRequest", OrganizationName=self.org_name, PassportTicket=wlid
        )
        self.ticket = field(r, "CrmTicket")
        detail = field(r, "OrganizationDetail")
        self.org_name = detail.OrganizationName
        if self.crm is None:
            self.crm_url = detail.CrmServiceUrl
            wsdl = (
                os.path.join(self.wsdl_dir, "CrmService.wsdl")
                if self.wsdl_dir
                else self.crm_url + "?wsdl"
            )
            self.crm = zeep.Client(wsdl, transport=self.transport, settings=self.settings)
            self.crm_service = self.crm.create_service("{%s}CrmServiceSoap" % WS_NS, self.crm_url)

    # -- CrmService with the expired-ticket retry ----------------------------------------
    def token(self):
        token = self.crm.get_element("{%s}CrmAuthenticationToken" % WS_NS)
        return token(
            AuthenticationType=PASSPORT,
            CrmTicket=self.ticket,
            OrganizationName=self.org_name,
            CallerId=self.caller_id,
        )

    def call(self, name, make_args):
        """One CrmService call; on 8004A101 a new ticket and another attempt, at most
        CRMAUTH_MAX_RETRIES attempts in all; any other failure at once."""
        bound = int(self.env["CRMAUTH_MAX_RETRIES"])
        for attempt in range(1, bound + 1):
            try:
                op = getattr(self.crm_service, name)
                return op(**make_args(), _soapheaders=[self.token()])
            except Exception as e:  # noqa: BLE001 - judged by what the server sent
                code = fault_code(self.transport.last)
                if code != EXPIRED:
                    raise GiveUp("%s: %s (code %s)" % (name, type(e).__name__, code))
                if attempt == bound:
                    raise GiveUp("%s: the ticket kept expiring after %d attempts" % (name, attempt))
                self.new_ticket()

    def who_am_i(self):
        req_type = self.crm.get_type("{%s}WhoAmIRequest" % WS_NS)
        fields = {}
        if any(name == "OptionalParameters" for name, _ in req_type.elements):
            # The real WSDL declares it on every Request; it is not needed here.
            fields["OptionalParameters"] = zeep.xsd.SkipValue
        return self.call("Execute", lambda: {"Request": req_type(**fields)})

    def create_task(self, subject):
        task = self.crm.get_type("{%s}task" % WS_NS) if _has_type(self.crm, "task") else None
        if task is None:
            task = _task_type()
        return self.call("Create", lambda: {"entity": task(subject=subject)})


def _xml(v):
    return str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _has_type(client, name):
    try:
        client.get_type("{%s}%s" % (WS_NS, name))
        return True
    except (LookupError, zeep.exceptions.LookupError):
        return False


def _task_type():
    """`task` for a WSDL that only declares BusinessEntity (the mock's): a subtype with
    the one attribute the flow sets, so zeep writes xsi:type="task"."""
    from zeep import xsd

    return xsd.ComplexType(
        xsd.Sequence([xsd.Element("{%s}subject" % WS_NS, xsd.String(), min_occurs=0)]),
        qname=etree.QName(WS_NS, "task"),
    )


def main(argv):
    wsdl_dir = argv[1] if len(argv) > 1 else None
    names = [
        "CRMAUTH_URL", "CRMAUTH_ORGANIZATION", "CRMAUTH_MAX_RETRIES", "CRMAUTH_WLID_URL",
        "CRMAUTH_WLID_USERNAME", "CRMAUTH_WLID_PASSWORD", "CRMAUTH_IMPERSONATE_PUID",
        "CRMAUTH_CASE",
    ]
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        print("python-zeep client: not set: %s" % ", ".join(missing), file=sys.stderr)
        return 2
    env = {n: os.environ[n] for n in names}
    try:
        c = Client(env, wsdl_dir)
        c.connect()
        c.who_am_i()
        created = c.create_task(env["CRMAUTH_CASE"])
        uuid.UUID(str(created))
        print("python-zeep client: created task %s" % created, file=sys.stderr)
        return 0
    except GiveUp as e:
        print("python-zeep client: gave up: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - any other failure gives up too
        print("python-zeep client: %s: %s" % (type(e).__name__, str(e)[:200]), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
