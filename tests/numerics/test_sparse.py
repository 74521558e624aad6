"""The direct sparse product gives scipy's ``@`` bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from platsim.numerics.sparse import matvec


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 40),
    columns=st.integers(1, 40),
    density=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["float", "int", "bool"]),
)
def test_matvec_equals_the_operator_bit_for_bit(
    rows: int, columns: int, density: float, seed: int, kind: str
) -> None:
    rng = np.random.default_rng(seed)
    matrix = sp.random(rows, columns, density=density, format="csr", random_state=rng)
    matrix.data *= rng.lognormal(0.0, 3.0, matrix.nnz)  # spread magnitudes: rounding shows
    vector = {
        "float": rng.normal(0.0, 1e3, columns),
        "int": rng.integers(-50, 50, columns),
        "bool": rng.random(columns) < 0.5,
    }[kind]
    result = matvec(matrix, vector)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, matrix @ vector)


def test_matvec_on_a_non_contiguous_vector_and_other_formats() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((6, 10)) * (rng.random((6, 10)) < 0.4)
    vector = rng.random(20)[::2]  # a strided view
    matrix = sp.csr_matrix(dense)
    np.testing.assert_array_equal(matvec(matrix, vector), matrix @ vector)
    np.testing.assert_allclose(matvec(sp.csc_matrix(dense), vector), dense @ vector)


def test_matvec_rejects_a_vector_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="shape"):
        matvec(sp.csr_matrix(np.eye(3)), np.ones(4))
