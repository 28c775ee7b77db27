"""Doorstep field app: the offline tablet app that logs help sessions and syncs them with the server.

Layout: `store` (the local sqlite3 database and its outbox), `sync` (the HTTP client and the sync engine), `core`
(what the screens call), `privacy` (warnings about data we must not collect), `config` (where things live).
The screens (app.py, screens/, kv/) sit on top of `core` and never talk HTTP themselves.
"""

APP_VERSION = "0.1.0"
"""Sent as X-App-Version with every request and as app_version at login."""
