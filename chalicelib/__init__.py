"""Everything the Lambda functions run: domain, engines, services, adapters and entrypoints."""
