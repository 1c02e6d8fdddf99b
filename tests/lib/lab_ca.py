"""A certificate authority of the tests' own and one server certificate it signs, for TLS Redis in the tests.

    python tests/lib/lab_ca.py DIR NAME [NAME...]

writes DIR/ca.crt, DIR/server.crt and DIR/server.key (EC P-256, valid from five minutes ago for two days), the
server certificate naming every NAME (a DNS name, or an IPv4/IPv6 address as an IP address entry). Uses the
``cryptography`` package that ansible-core already requires.
"""

import datetime
import ipaddress
import os
import sys


def make_certificates(directory, names=("localhost", "127.0.0.1", "::1")):
    """Write ca.crt, server.crt and server.key into ``directory``; returns the CA's path."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, key, signer, ca, extra=()):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        for extension in extra:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(signer, hashes.SHA256())

    def write(name, data):
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)

    def entry(name):
        try:
            return x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            return x509.DNSName(name)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dualstack.redis test CA")])
    ca_cert = build(ca_name, ca_name, ca_key, ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]), ca_name, key, ca_key, False,
                 [x509.SubjectAlternativeName([entry(name) for name in names])])
    write("ca.crt", ca_cert.public_bytes(serialization.Encoding.PEM))
    write("server.crt", cert.public_bytes(serialization.Encoding.PEM))
    write("server.key", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption()))
    return os.path.join(directory, "ca.crt")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    print(make_certificates(sys.argv[1], sys.argv[2:]))
