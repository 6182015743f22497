"""The engine benchmark's parts; ``bench/engine.py`` is the entry point that runs them in order.

- ``fixture``: the benchmark's own matter, people and SQLite database (nothing from ``tests``);
- ``figures``: timing, percentiles, query counting, printing;
- ``in_memory``: (a) plain SpiffWorkflow cycles, the baseline of the targets;
- ``service``: (b) ``services.tasks.complete`` through the service layer, (b') the live-workflow cache;
- ``inbox``: (c) inbox queries over a bulk-grown task table.
"""
