"""A real HTTPS Doorstep server on 127.0.0.1 with a self-signed certificate made here (cryptography), for the
tablet's certificate checks (test_tls.py, test_setup.py)."""
import hashlib
import ssl
import threading
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from server.cli import ensure_counter
from server.extensions import db
from tests.conftest import World, make_app
from tests.server.live import Quiet


def self_signed(folder, name="doorstep.test"):
    """A self-signed certificate for 127.0.0.1: (cert.pem path, key.pem path, its SHA-256 fingerprint in hex)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class HttpsServer:
    """The Flask app on a SQLite file with a World of users, served over HTTPS by werkzeug in a thread."""

    def __init__(self, tmp_path, cert, key):
        self.app = make_app(f"sqlite:///{tmp_path / 'https.db'}")
        with self.app.app_context():
            db.create_all()
            ensure_counter()
        self.world = World(self.app)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=Quiet, ssl_context=context)
        self.url = f"https://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def labels(self):
        """The device labels the server holds, as the dashboard shows them."""
        with self.app.app_context():
            return [r[0] for r in db.session.execute(db.text("SELECT label FROM devices"))]

    def stop(self):
        self.http.shutdown()
        self.http.server_close()
        with self.app.app_context():
            db.engine.dispose()
