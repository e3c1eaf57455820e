import pytest

from aiprod_assets.job_ids import InvalidJobId, check_job_id, job_id_from_file


@pytest.mark.parametrize("job_id", ["abc", "lighthouse-keeper", "0-day", "a" * 63])
def test_valid_job_ids_pass_unchanged(job_id):
    assert check_job_id(job_id) == job_id


@pytest.mark.parametrize("job_id", ["ab", "-abc", "Abc", "a_b_c", "a" * 64, "../etc", "job id", "", None, 42,
                                    "abc\n", "jobs/x"])
def test_invalid_job_ids_are_refused_with_the_rule(job_id):
    with pytest.raises(InvalidJobId, match="lowercase letters, digits"):
        check_job_id(job_id)


def test_job_id_from_file_name_is_slug_plus_content_hash():
    first = job_id_from_file("My Brief (final) v2.json", b"{}")
    assert first.startswith("my-brief-final-v2-") and len(first.rsplit("-", 1)[1]) == 8
    assert job_id_from_file("My Brief (final) v2.json", b"{}") == first
    assert job_id_from_file("My Brief (final) v2.json", b"{ }") != first
    assert check_job_id(job_id_from_file("x" * 200 + ".json", b"1"))
    assert job_id_from_file("___.json", b"1").startswith("brief-")
    assert job_id_from_file("Électricité.json", b"1").startswith("electricite-")
