"""From a run's rows to files: ``tables`` (the frames every view shows), ``markdown``
(summary.md), ``html`` (report.html), ``files`` (writing a report folder atomically),
``environment`` (run.json's environment), ``regressions`` (``crosscheck compare``)."""
