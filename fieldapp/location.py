"""Where a visit took place, with the official's consent. No kivy: the visit screen gives it a `post` and a source.

Terms:
- *consent*: the official's answer to "record the location of visits?", asked once (the first visit form) and kept
  in the store's meta as `location_consent` (True / False; None: not asked yet); Settings changes it;
- a *source* has start(on_location) -> bool and stop(); on_location(lat=, lon=, accuracy=) is called from the
  platform's thread. PlyerGps is plyer's GPS (Android); on a desktop plyer has none, start() says False, and the
  visit is saved without a fix: no fix, no problem;
- a *fix* is {lat, lon, accuracy_m}, what the visit carries on the wire (shared/wire.py VISIT_FIELDS).
"""


def consent(store) -> bool | None:
    return store.get_meta("location_consent")


def set_consent(store, allowed: bool) -> None:
    store.set_meta(location_consent=bool(allowed))


LOCATION_PERMISSIONS = ("android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION")


class PlyerGps:
    """plyer's GPS: Android's location service; NotImplementedError on a desktop, caught as "no source".

    Android 6 and newer grant location at run time: the first form after the official's consent asks for it (the
    system's dialog), and the GPS starts when it is granted, unless the form was closed meanwhile."""

    def __init__(self):
        self.waiting = None  # on_location of a start that waits for the permission's answer

    def start(self, on_location) -> bool:
        try:
            if not self._permitted(on_location):
                return True  # asked: starts on the answer, stop() still ends it
            self._start_gps(on_location)
        except Exception:  # NotImplementedError on desktops, or no permission: location is optional
            return False
        return True

    def stop(self) -> None:
        self.waiting = None
        try:
            from plyer import gps
            gps.stop()
        except Exception:
            pass

    def _start_gps(self, on_location) -> None:
        from plyer import gps
        gps.configure(on_location=on_location)
        gps.start(minTime=1000, minDistance=0)

    def _permitted(self, on_location) -> bool:
        """True when location may be read now; else asks Android (once per form) and returns False."""
        from kivy.utils import platform
        if platform != "android":
            return True  # plyer says itself whether this platform has a GPS
        from android.permissions import check_permission, request_permissions
        if all(check_permission(p) for p in LOCATION_PERMISSIONS[:1]):
            return True
        self.waiting = on_location
        request_permissions(list(LOCATION_PERMISSIONS), self._answered)
        return False

    def _answered(self, permissions, grants) -> None:
        on_location, self.waiting = self.waiting, None
        if on_location is not None and any(grants):  # coarse alone still gives a fix, a rougher one
            try:
                self._start_gps(on_location)
            except Exception:
                pass


class Locator:
    """Keeps the latest fix of a source while a visit form is open; `fix` is None until one came."""

    def __init__(self, post, on_fix=None, source=None):
        self.post, self.on_fix = post, on_fix
        self.source = source if source is not None else PlyerGps()
        self.running, self.fix = False, None

    def start(self) -> bool:
        self.fix, self.running = None, True  # before start(): a source may call back at once
        self.running = bool(self.source.start(self._location))
        return self.running

    def stop(self) -> None:
        if self.running:
            self.source.stop()
            self.running = False

    def _location(self, **fix):
        # Called on the platform's thread: the fix is handed to the UI thread.
        lat, lon = fix.get("lat"), fix.get("lon")
        if lat is None or lon is None:
            return
        found = {"lat": float(lat), "lon": float(lon), "accuracy_m": fix.get("accuracy")}

        def keep():
            if self.running:
                self.fix = found
                if self.on_fix:
                    self.on_fix(found)
        self.post(keep)


def last_fix(store, household_id: str) -> dict | None:
    """The household's last known place: the fix of its latest counted visit that has one (for the coverage map)."""
    row = store.db.execute("SELECT lat, lon, accuracy_m, started_at FROM visits WHERE household_id = ? AND voided = 0 "
                           "AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY started_utc DESC, id DESC LIMIT 1",
                           (household_id,)).fetchone()
    return {"lat": row[0], "lon": row[1], "accuracy_m": row[2], "at": row[3]} if row else None
