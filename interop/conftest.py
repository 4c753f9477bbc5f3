"""Fixtures for the zeep interop suite: the real CRM 4.0 WSDLs, loaded offline, and a
`crmauth serve` started on a free 127.0.0.1 port for each deployment, stopped afterwards.

Environment (set by run.sh): CRMAUTH_WSDL_DIR (the WSDLs, never copied into the project),
CRMAUTH_BIN (the built crmauth binary), CRMAUTH_ROOT (the repository root).
"""

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
import requests
from zeep import Client, Settings
from zeep.transports import Transport

ROOT = Path(os.environ.get("CRMAUTH_ROOT", Path(__file__).resolve().parent.parent))
BIN = os.environ.get("CRMAUTH_BIN", str(ROOT / "target" / "debug" / "crmauth"))

WS = "http://schemas.microsoft.com/crm/2007/WebServices"
CORE = "http://schemas.microsoft.com/crm/2007/CoreTypes"
QUERY = "http://schemas.microsoft.com/crm/2006/Query"
DISCO = "http://schemas.microsoft.com/crm/2007/CrmDiscoveryService"

# Facts of the embedded default environment (harness/src/server/default_env.json).
SERVICE_ACCOUNT_PUID = "0003BFFD5E5E0001"
SERVICE_ACCOUNT_ID = "5e000000-0000-0000-0000-000000000001"
SERVICE_ACCOUNT_WINDOWS = "CONTOSO\\isvservice"
USER_PUID = "0003BFFD00000B0B"
USER_ID = "b0b00000-0000-0000-0000-000000000002"
ORGANIZATION = "Contoso"
FRIENDLY_NAME = "Contoso Ltd"
CONTOSO_ID = "c0c0c0c0-0000-0000-0000-000000000001"
PASSPORT_SECRET = "crmauth-mock-windows-live"
WINDOWS_HEADER = "X-Crmauth-Windows-Identity"
DISCOVERY_PATH = {
    "AD": "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
    "Passport": "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
}
CRM_SERVICE_PATH = "/MSCRMServices/2007/CrmService.asmx"
BINDINGS = {"1.1": "Soap", "1.2": "Soap12"}


def wsdl_dir() -> Path:
    d = os.environ.get("CRMAUTH_WSDL_DIR")
    if not d:
        pytest.fail("CRMAUTH_WSDL_DIR is not set (run the suite with interop/run.sh WSDL_DIR)")
    p = Path(d)
    if not (p / "CrmService.wsdl").is_file() or not (p / "CrmDiscoveryService.wsdl").is_file():
        pytest.fail(f"{p} lacks CrmService.wsdl or CrmDiscoveryService.wsdl")
    return p


def passport_ticket(puid: str, nonce: int) -> str:
    """A Windows Live ticket of the mock's shared-secret scheme (docs/mock-server.md):
    WLID1.<PUID>.<nonce 16 hex>.<FNV-1a-64 of secret 0x1f PUID 0x1f nonce, 16 hex>."""
    puid = puid.upper()
    n = f"{nonce:016x}"
    h = 0xCBF29CE484222325
    for i, part in enumerate([PASSPORT_SECRET.encode(), puid.encode(), n.encode()]):
        if i:
            h = ((h ^ 0x1F) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        for b in part:
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"WLID1.{puid}.{n}.{h:016x}"


class MockServer:
    """A running `crmauth serve`; `stop()` ends it (Ctrl-C, then kill after 10 s)."""

    def __init__(self, *args: str):
        if not Path(BIN).is_file():
            pytest.fail(f"crmauth binary not found at {BIN} (run.sh builds it)")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--addr", "127.0.0.1:0", "--ticket-lifetime", "5m", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.stop()
            pytest.fail(f"crmauth serve did not start: {line!r}")
        self.base = line.removeprefix("listening on ")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def control(self, **fields):
        req = urllib.request.Request(
            self.base + "/_crmauth/control",
            data=json.dumps(fields).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 204

    def audit(self):
        with urllib.request.urlopen(self.base + "/_crmauth/audit", timeout=10) as r:
            return json.load(r)


@pytest.fixture(scope="session")
def passport_server():
    s = MockServer()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def onpremise_server():
    s = MockServer(
        "--strategy",
        "OnPremise",
        "--pipeline",
        str(ROOT / "corpus" / "pipelines" / "onpremise.crmauthentication.xml"),
    )
    yield s
    s.stop()


def client(name: str, windows_identity: str | None = None) -> Client:
    """A strict zeep client on the real WSDL `name`, loaded from disk (no network)."""
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxies from the environment
    if windows_identity:
        session.headers[WINDOWS_HEADER] = windows_identity
    transport = Transport(session=session, timeout=10, operation_timeout=10)
    return Client(str(wsdl_dir() / name), transport=transport, settings=Settings(strict=True))


@pytest.fixture(scope="session")
def crm_client():
    return client("CrmService.wsdl")


@pytest.fixture(scope="session")
def disco_client():
    return client("CrmDiscoveryService.wsdl")


def service(c: Client, tns: str, service_name: str, version: str, address: str):
    """The WSDL's own SOAP `version` binding, with the address overridden to the mock."""
    return c.create_service(f"{{{tns}}}{service_name}{BINDINGS[version]}", address)
