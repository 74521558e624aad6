"""Sparse matrix-vector products for the model's hot loops.

The model multiplies small CSR matrices (commuting weights, the household-to-home incidence)
by vectors about a dozen times a step. ``matrix @ vector`` spends most of its time in scipy's
Python dispatch (shape, dtype and format checks: about 3 µs a call) rather than in the
product itself, so :func:`matvec` calls the same compiled kernel directly.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

try:  # scipy's compiled CSR kernels (private module, stable since scipy 0.7)
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - a scipy without it falls back to the operator
    _csr_matvec = None


def matvec(matrix: sp.csr_matrix, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` for a float64 CSR matrix, as float64, bit for bit.

    Args:
        matrix: A CSR matrix of float64 entries, shape (m, n).
        vector: n values (bool, int or float; converted to float64 exactly as scipy does).

    Returns:
        The m products, computed by the kernel scipy's ``@`` uses (row by row, entries in
        stored order).
    """
    vector = np.ascontiguousarray(vector, dtype=np.float64)
    if _csr_matvec is None or matrix.format != "csr" or matrix.dtype != np.float64:
        return np.asarray(matrix @ vector, dtype=np.float64)
    rows, columns = matrix.shape
    if vector.shape != (columns,):
        raise ValueError(f"vector of shape {vector.shape} for a matrix of shape {matrix.shape}")
    result = np.zeros(rows)
    _csr_matvec(rows, columns, matrix.indptr, matrix.indices, matrix.data, vector, result)
    return result
