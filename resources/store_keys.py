"""Store keys are relative POSIX paths; anything that could escape the root is refused."""



class InvalidStoreKey(ValueError):
    pass


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise InvalidStoreKey(f"store key {key!r} must be a relative path without '.', '..' or empty parts")
    return key
