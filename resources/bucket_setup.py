"""Creating or checking the delivery bucket: versioned, old versions pruned, CORS for our origins, never public."""

from google.api_core.exceptions import NotFound

KEEP_NONCURRENT_VERSIONS = 3
CORS_METHODS = ["GET", "HEAD"]


def init_bucket(client, name: str, location: str, origins: list[str]) -> dict:
    """Create the bucket if missing, then make its settings ours; return what it has now."""
    try:
        bucket = client.get_bucket(name)
        created = False
    except NotFound:
        bucket = client.bucket(name)
        bucket.iam_configuration.uniform_bucket_level_access_enabled = True
        bucket.iam_configuration.public_access_prevention = "enforced"
        bucket = client.create_bucket(bucket, location=location)
        created = True
    bucket.versioning_enabled = True
    bucket.lifecycle_rules = [{"action": {"type": "Delete"},
                               "condition": {"isLive": False, "numNewerVersions": KEEP_NONCURRENT_VERSIONS}}]
    bucket.cors = [{"origin": list(origins), "method": CORS_METHODS, "responseHeader": ["Content-Type"],
                    "maxAgeSeconds": 3600}] if origins else []
    bucket.patch()
    bucket.reload()
    return {"bucket": name, "created": created, "versioning": bool(bucket.versioning_enabled),
            "lifecycle": list(bucket.lifecycle_rules), "cors": list(bucket.cors)}
