"""A sheet's merged ranges are found by streaming its XML (a 200,000-row sheet is some 200 MB read whole), also
when one straddles the boundary between two blocks read."""
import io

import pytest

from backend.spreadsheets import _MERGED, MERGED_MAX_BYTES, _matches

CELL = b'<mergeCell ref="A1:K1"/>'


@pytest.mark.parametrize("shift", range(-60, 3, 3))  # CELL straddles the boundary from -45 to -23
def test_a_merged_range_across_two_blocks_is_found(shift):
    block = 1 << 20
    padding = b"<row>" + b" " * (block - 5 + shift)
    xml = padding + b'<mergeCells count="2">' + CELL + b'<x:mergeCell ref="B2:C3"/></mergeCells>'
    found = [match[1] for match in _matches(_MERGED, io.BytesIO(xml), overlap=MERGED_MAX_BYTES)]
    assert found == [b"A1:K1", b"B2:C3"]
