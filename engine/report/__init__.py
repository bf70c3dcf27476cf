"""Output formats for check results: one module per format."""
