"""Funds, the ledger and aid requests (issue: funds). Depends on cases."""
