"""The exit codes every kravkoll command uses, in one place."""

EXIT_OK = 0  # every krav in scope is met (or the command did what was asked)
EXIT_SHORTFALL = 1  # at least one krav is not met, partly met or missing (or a test case fails)
EXIT_INPUT = 2  # bad input or usage: one Swedish message, no traceback
EXIT_INTERNAL = 3  # a defect in kravkoll itself
