"""A stand-in for the Kubernetes API, for the EKS target's tests (never shipped).

It serves what the official Python client and kubectl read and write (discovery, OpenAPI,
Deployments, ReplicaSets, Services, Pods, Events, ConfigMaps, Secrets, ServiceAccounts; get,
list, create, replace, patch of every kind kubectl sends, delete, watch) over TLS on 127.0.0.1,
checks the EKS bearer token of every call, and plays the controllers simply: a Deployment's
pods become Ready shortly after they are created, unless the test scripted a failure.
"""
