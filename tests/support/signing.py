"""A locally generated service-account key, and a check of V4 signed URLs against its public key."""

import binascii
import hashlib
import json
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SERVICE_ACCOUNT = {
    "type": "service_account", "project_id": "aiprod-test", "private_key_id": "test-key-1",
    "private_key": PRIVATE_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
    "client_email": "signer@aiprod-test.iam.gserviceaccount.com", "client_id": "1",
    "token_uri": "https://oauth2.googleapis.com/token",
}
SERVICE_ACCOUNT_JSON = json.dumps(SERVICE_ACCOUNT)


def verify_v4_url(url: str) -> dict:
    """Rebuild the V4 string-to-sign from the URL and check the signature; return the signed parameters."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Goog-Signature")
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(params.items()))
    canonical = "\n".join(["GET", parts.path, query, f"host:{parts.netloc}", "", params["X-Goog-SignedHeaders"],
                           "UNSIGNED-PAYLOAD"])
    scope = params["X-Goog-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["GOOG4-RSA-SHA256", params["X-Goog-Date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    PRIVATE_KEY.public_key().verify(binascii.unhexlify(signature), to_sign.encode(), padding.PKCS1v15(),
                                    hashes.SHA256())  # raises InvalidSignature
    signed_at = datetime.strptime(params["X-Goog-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    return {**params, "signed_at": signed_at}
