"""Pure, vectorised physics functions with units in their docstrings."""
