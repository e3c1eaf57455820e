"""QA: technical and semantic gates on clips and cuts."""
