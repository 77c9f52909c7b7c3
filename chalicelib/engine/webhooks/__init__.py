"""Pure webhook decisions: which entries run for an event, the requests they make, the
`.started`/`.finished` events Keptn's counting needs, and chat messages."""
