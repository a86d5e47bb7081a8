"""What the worker runs: answer one event, run one broadcast; the job queue, rq wiring, dead letters."""
