from importlib import metadata

try:
    VERSION = metadata.version("socialledger")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "0+unknown"
