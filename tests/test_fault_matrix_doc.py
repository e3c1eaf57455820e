"""docs/fault_matrix.md is the fault matrix's own table: generated from the cells the matrix runs."""

from tests.fault_matrix.cells import CELLS, markdown_table
from tests.support.jobs import REPO


def test_the_documented_matrix_is_the_one_that_runs():
    doc = (REPO / "docs" / "fault_matrix.md").read_text("utf-8")
    assert len(CELLS) == 117
    assert doc.endswith(markdown_table()), "regenerate the table: python -c 'from tests.fault_matrix.cells import "\
                                           "markdown_table; print(markdown_table())'"
