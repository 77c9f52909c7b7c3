"""boto3 and HTTP implementations of the ports; only bootstrap.py imports them."""
