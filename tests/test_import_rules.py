"""The layers of docs/architecture.md, enforced: every import in the tree, lazy ones included, is read
with ast and checked against the rules."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STAGES = ("intake", "planning", "costing", "rendering", "qa", "review", "delivery", "operations")
# The ground every layer stands on: models, canonical JSON, the job id and layout rules, failure kinds,
# the backend catalogue, media I/O, temporary folders, the local store, a deployment's settings.
GROUND = ("contracts", "canonical", "job_ids", "layout", "failures", "backends", "media", "work_folders",
          "local_folder", "deployment_settings")
# The stage modules that are Dagster glue; every other stage module is plain Python.
DAGSTER_GLUE = ("assets.py", "model_assets.py", "device_assets.py", "ledger_io.py")


def imports_of(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def modules_under(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


def violations(paths: list[Path], allowed) -> list[str]:
    return [f"{path.relative_to(REPO)} imports {name}" for path in paths for name in imports_of(path)
            if not allowed(path, name)]


def test_the_rule_reader_sees_lazy_imports(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from aiprod_assets.rendering.clips import ClipRenderer\n    import tests.x\n")
    assert imports_of(module) == ["aiprod_assets.rendering.clips", "tests.x"]


def test_resources_import_only_the_ground():
    def allowed(path, name):
        top = name.split(".")
        if top[0] != "aiprod_assets":
            return top[0] not in ("sensors", "tests", "bench")
        return len(top) > 1 and top[1] in GROUND

    assert violations(modules_under("resources"), allowed) == []


def test_the_ground_imports_no_stage_and_no_resource():
    ground = [p for p in modules_under("aiprod_assets")
              if p.relative_to(REPO / "aiprod_assets").parts[0].removesuffix(".py") in GROUND]
    assert len(ground) >= len(GROUND)

    def allowed(path, name):
        top = name.split(".")
        if top[0] in ("resources", "sensors", "tests", "bench", "dagster"):
            return False
        return top[0] != "aiprod_assets" or (len(top) > 1 and top[1] in GROUND)

    assert violations(ground, allowed) == []


def test_only_the_cli_and_the_tests_import_definitions():
    everything = modules_under("aiprod_assets", "resources", "sensors", "bench")
    cli = REPO / "aiprod_assets" / "cli"

    def allowed(path, name):
        return name != "aiprod_assets.definitions" or cli in path.parents

    assert violations(everything, allowed) == []


def test_bench_never_imports_the_tests():
    assert violations(modules_under("bench"), lambda path, name: name.split(".")[0] != "tests") == []


@pytest.mark.parametrize("stage", STAGES)
def test_stage_logic_is_plain_python(stage):
    """Only a stage's thin asset modules touch Dagster and resources; its logic is unit-testable alone."""
    logic = [p for p in modules_under(f"aiprod_assets/{stage}") if p.name not in DAGSTER_GLUE]

    def allowed(path, name):
        return name.split(".")[0] not in ("dagster", "dagster_gcp", "resources", "sensors")

    assert violations(logic, allowed) == []


def test_the_product_never_imports_the_testing_support():
    product = [p for p in modules_under("aiprod_assets", "resources", "sensors")
               if "testing" not in p.relative_to(REPO).parts]

    def allowed(path, name):
        return not name.startswith("aiprod_assets.testing") and name.split(".")[0] != "tests"

    assert violations(product, allowed) == []
