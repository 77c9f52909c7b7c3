"""boto3 and HTTP implementations of the ports; only chalicelib/bootstrap/ imports them."""
