"""The uniform: applying it (rules on the bus), the executors it names, the tasks nothing
carries out, and Keptn's integration registration and log."""
