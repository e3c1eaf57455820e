"""The `aiprod` command line: submit, run and inspect jobs on this machine."""
