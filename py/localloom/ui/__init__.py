"""DOM binding: the only package besides engines/, capabilities and storage that touches js."""
