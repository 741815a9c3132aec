"""The harness: checks, metrics, runner, reports and the ``crosscheck`` command line."""
