"""Follow-up across years: the ledger, the demand lifecycle, demands and letters (the kravliggare)."""
