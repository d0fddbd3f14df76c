"""What the Facebook and Instagram channels share: Meta's Graph paging and Insights
(`graph.py`), its account-export layout (`export.py`), and its webhook envelope and
`X-Hub-Signature-256` check (`webhooks.py`).

Not a plugin (it registers no channel); like every channel, it imports only
`socialledger.channels`.
"""
