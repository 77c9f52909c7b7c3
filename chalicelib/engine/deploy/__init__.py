"""Pure decisions of the deployment executor: strategies and canary plans, the canary's state
machine, the executor's next step, and what a task's `.finished` says."""
