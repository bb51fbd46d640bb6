"""The emulator as a process: mutual TLS, the --data book across restarts, the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from statesync.cli import main
from statesync.emulator.process import run_emulator
from statesync.emulator.testing import fast_environment
from statesync.errors import TransientError
from statesync.remote import Credentials, Environment, SeiClient

pytestmark = pytest.mark.e2e


def _issue(
    name: str,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(
    path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    cert_path, key_path = path.with_suffix(".pem"), path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    root = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = _issue("statesync test CA", None, ca=True)
    server_cert, server_key = _issue("127.0.0.1", (ca_cert.subject, ca_key), server=True)
    client_cert, client_key = _issue("statesync client", (ca_cert.subject, ca_key))
    ca_pem, _ = _write(root / "ca", ca_cert, ca_key)
    server_pem, server_key_pem = _write(root / "server", server_cert, server_key)
    client_pem, client_key_pem = _write(root / "client", client_cert, client_key)
    return {
        "ca": ca_pem,
        "server": server_pem,
        "server_key": server_key_pem,
        "client": client_pem,
        "client_key": client_key_pem,
    }


def _fetch(env: Environment, credentials: Credentials) -> dict[str, object]:
    async def main() -> dict[str, object]:
        async with SeiClient(env, credentials) as client:
            return await client.get_investor("INV-1001")

    return asyncio.run(main())


def test_mutual_tls_lets_in_a_client_certificate_and_refuses_none(pki: dict[str, Path]) -> None:
    admin_tls = ssl.create_default_context(cafile=str(pki["ca"]))
    admin_tls.load_cert_chain(str(pki["client"]), str(pki["client_key"]))
    tls_args = (
        "--tls-cert",
        str(pki["server"]),
        "--tls-key",
        str(pki["server_key"]),
        "--client-ca",
        str(pki["ca"]),
    )
    with run_emulator(*tls_args, scheme="https", verify=admin_tls) as running:
        env = fast_environment(
            Environment(
                "mtls",
                running.base_url,
                client_cert=pki["client"],
                client_key=pki["client_key"],
                ca_bundle=pki["ca"],
            )
        )
        assert _fetch(env, running.credentials)["name"] == {
            "fullName": "Margaret A. Whitfield",
            "abbreviatedLine1": "MARGARET A. WHITFIELD",
        }
        no_cert = fast_environment(
            Environment("mtls", running.base_url, ca_bundle=pki["ca"], max_attempts=1)
        )
        with pytest.raises(TransientError):
            _fetch(no_cert, running.credentials)


def test_the_data_file_is_loaded_at_start_and_saved_on_shutdown(tmp_path: Path) -> None:
    book = tmp_path / "book.json"
    with run_emulator("--data", str(book), "--job-delay-ms", "0") as running:
        running.admin.touch("INV-1006", {"alternateId": "SAVED-1"})
    assert "SAVED-1" in book.read_text()
    assert book.stat().st_mode & 0o777 == 0o600, "the book holds tax ids: owner-only"
    with run_emulator("--data", str(book)) as running:
        assert running.admin.investor("INV-1006")["alternateId"] == "SAVED-1"
        assert running.admin.health()["investors"] == 20


def test_serve_wants_all_three_tls_files(pki: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--tls-cert", str(pki["server"])])
    assert result.exit_code == 2
    assert "needs all of --tls-cert, --tls-key and --client-ca" in result.output


def test_serve_help_documents_the_options() -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--help"])
    assert result.exit_code == 0
    for option in ("--data", "--latency-ms", "--job-delay-ms", "--fail-rate", "--rate-limit"):
        assert option in result.output
