"""Reading what people write: strict YAML with positions, Swedish numbers, validation messages."""
