"""previz: the embedded torch renderer that draws each shot from its spec."""
