"""Running shipyard sequences: start and queue, dispatch tasks, count answers, end and chain."""
