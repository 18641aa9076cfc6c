"""The ``slar worker`` role: runs the job queue and the periodic ticks until told to stop.

It owns process concerns only (signals, liveness heartbeat, running in a thread for
``slar serve``); claiming and running jobs is ``slar.jobs.runner``.
"""
