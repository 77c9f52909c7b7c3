"""Kubernetes manifests for the EKS target: parsing, rendering the variants a strategy needs,
and replica arithmetic. Pure: text and data in, objects and decisions out."""
