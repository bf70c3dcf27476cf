"""The click commands, Swedish click texts and the entry point."""
