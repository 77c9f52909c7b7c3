"""The lighthouse service: runs quality gates on the bus, as Keptn's lighthouse-service did.

evaluation.triggered -> evaluation.started -> get-sli.triggered (to the project's SLI provider)
-> get-sli.finished -> evaluation.finished, every evaluation stored for history and baselines.
"""
