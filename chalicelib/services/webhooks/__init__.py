"""The webhook executor and what surrounds it: the look-up of webhook.yaml files, guarded
HTTP, the delivery journal, signed approval links and registering webhooks."""
