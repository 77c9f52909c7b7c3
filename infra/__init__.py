"""The AWS resources of Quartermaster: one definition for deployments and the local runtime."""
