"""Doorstep field app: the offline tablet app that logs help sessions and syncs them with the server.

Layout: `store` (the local database, encrypted with SQLCipher, and its outbox), `lock` (the key file: the data key
wrapped under the PIN and the server's device key), `sync` (the HTTP client and the sync engine), `core` (what the
screens call: the account, the PIN lock, the remote erase, the sync worker), `privacy` (warnings about data we must not collect), `config` (where things live).
The screens (app.py, screens/, kv/) sit on top of `core` and never talk HTTP themselves.
"""

APP_VERSION = "0.1.0"
"""Sent as X-App-Version with every request and as app_version at login."""
