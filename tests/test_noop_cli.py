"""`aiprod run` on a delivered job with nothing changed has nothing to make, and says so without running the
graph; any change (settings, the cut, a review event) or --force runs it again."""

from aiprod_assets.layout import final_cut_key
from tests.support.cli import aiprod
from tests.support.review import write_brief

NOTHING = "nothing to make"


def test_a_delivered_job_rerun_unchanged_runs_nothing_and_any_change_runs_the_graph(tmp_path):
    brief = write_brief(tmp_path, "noop-cli", duration_sec=2)
    first = aiprod(tmp_path, "run", brief, timeout=300)
    assert first.returncode == 0 and "delivered (run" in first.stdout, first.stderr
    again = aiprod(tmp_path, "run", brief)
    assert again.returncode == 0 and NOTHING in again.stdout and "(run" not in again.stdout
    assert "final cut 2.00s" in again.stdout, "the summary is still shown"

    forced = aiprod(tmp_path, "run", brief, "--force", timeout=300)
    assert "delivered (run" in forced.stdout and NOTHING not in forced.stdout
    other_settings = aiprod(tmp_path, "run", brief, env_extra={"AIPROD_APPROVAL": "none"}, timeout=300)
    assert "delivered (run" in other_settings.stdout, "another deployment setting runs the graph"

    cut = tmp_path / ".aiprod" / "store" / final_cut_key("noop-cli")
    cut.write_bytes(cut.read_bytes() + b"\0")
    tampered = aiprod(tmp_path, "run", brief, env_extra={"AIPROD_APPROVAL": "none"}, timeout=300)
    assert "delivered (run" in tampered.stdout, "a cut that is not the delivered one is made again"

    assert aiprod(tmp_path, "review", "add-user", "cole", "--role", "commenter").returncode == 0
    assert aiprod(tmp_path, "comment", "noop-cli", "warmer", "--shot", "s01-01", "--as", "cole").returncode == 0
    after_comment = aiprod(tmp_path, "run", brief, env_extra={"AIPROD_APPROVAL": "none"}, timeout=300)
    assert "delivered (run" in after_comment.stdout, "a review event since delivery runs the graph"
    settled = aiprod(tmp_path, "run", brief, env_extra={"AIPROD_APPROVAL": "none"})
    assert NOTHING in settled.stdout


def test_where_and_for_how_long_the_device_worker_renders_is_no_deployment_setting():
    """A re-run with AIPROD_WORKER_LINGER_SEC or AIPROD_DEVICE_WORKER changed makes the same job: nothing to
    make. A setting that changes the job (the planner) still counts."""
    from aiprod_assets.cli.noop import settings_digest

    base = {"AIPROD_BACKENDS": "previz"}
    assert settings_digest({**base, "AIPROD_WORKER_LINGER_SEC": "3", "AIPROD_DEVICE_WORKER": "0"}) == settings_digest(base)
    assert settings_digest({**base, "AIPROD_PLANNER": "gemini"}) != settings_digest(base)
