"""The models: the submission, the rulebook and its references, which rulebook applies, sanction arithmetic."""
