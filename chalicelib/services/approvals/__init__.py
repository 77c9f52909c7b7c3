"""Approvals: Keptn's approval matrix, human decisions, expiry and notifications."""
