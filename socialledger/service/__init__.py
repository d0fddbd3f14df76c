"""The capture service (`socialledger serve`, `socialledger poll`): webhooks, the inbox, the worker, polling.

A layer of its own between the CLI and the application (`socialledger.app`): it
records only through the application's commands, as the actor the service runs as.
"""
