"""Evaluation: derived measures, facts, the compiled rulebook, the durable_rules adapter, findings, explain, batches."""
