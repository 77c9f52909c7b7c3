"""Client side of Quartermaster: the qm CLI and the local runtime; never shipped to Lambda."""
