"""Runtime kernels as the compiler sees them: binding rules and C call emission.

One module per kernel family (conv, gemm, elementwise, ...), each exporting `KERNELS`;
`library.py` assembles the kernel library of the generic C runtime.
"""
