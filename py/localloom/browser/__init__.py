"""The FFI seam: the only code besides engines/ and ui/ that touches JS."""
