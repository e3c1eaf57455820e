"""Media primitives shared by rendering, QA and delivery: encoding, decoding, loudness."""
