"""The read-only web view (`socialledger web`): search, threads, records requests and dashboards, for people with a
role. Every page asks `socialledger.app` (whose role checks apply); nothing here checks a role itself."""
