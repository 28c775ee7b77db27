"""New or edited household, and its residents. The store checks each record against the server's schema."""
from kivy.properties import StringProperty

from shared.vocab import SEXES

from ..errlog import log
from ..i18n import field_label, label, tr
from ..store import InvalidData
from . import BaseScreen
from .widgets import Chip, ListRow


def _error_text(err: InvalidData) -> str:
    return ", ".join(field_label(name) for name in err.errors)


class HouseholdEditScreen(BaseScreen):
    message = StringProperty("")
    resident_message = StringProperty("")

    def on_kv_post(self, _base):
        for sex in SEXES:
            self.ids.sex.add_widget(Chip(text=label("sex", sex), value=sex, group="sex"))

    def show(self, household_id=None, resident_id=None, **params):
        self.household_id = household_id
        self.to_top()
        h = self.core.store.household(household_id) if household_id else None
        self.ids.bar.title = tr("edit.title_edit") if h else tr("edit.title_new")
        for key in ("head_name", "address", "phone", "note"):
            self.ids[key].text = (h or {}).get(key) or ""
        villages = self.core.store.villages()
        box = self.ids.villages
        box.clear_widgets()
        current = h["village_id"] if h else (villages[0]["id"] if len(villages) == 1 else None)
        for v in villages:
            box.add_widget(Chip(text=v["name"], value=v["id"], group="village", allow_no_selection=False,
                                state="down" if v["id"] == current else "normal"))
        self.message = ""
        self.new_resident()
        self._residents(h)
        resident = self.core.store.resident(resident_id) if resident_id else None
        if resident:  # opened from the sync problems: straight to the refused resident
            self.edit_resident(resident)

    def _residents(self, h):
        box = self.ids.residents
        box.clear_widgets()
        for r in (h or {}).get("residents", []):
            bits = [str(r["birth_year"] or ""), label("sex", r["sex"]) if r["sex"] else "", r["phone"] or "",
                    tr("edit.smartphone") if r["has_smartphone"] else ""]
            row = ListRow(title=r["full_name"], subtitle="  ·  ".join(b for b in bits if b))
            row.on_tap = (lambda res=r: self.edit_resident(res))
            box.add_widget(row)
        self.ids.resident_card.disabled = h is None
        self.ids.resident_card.opacity = 1 if h else 0.4

    def save(self):
        village = next((c.value for c in self.ids.villages.children if c.state == "down"), None)
        data = {key: self.ids[key].text.strip() for key in ("head_name", "address", "phone", "note")}
        data["village_id"] = village
        if village is None:
            self.message = tr("edit.pick_village")
            return
        try:
            self.household_id = self.core.save_household(data, id=self.household_id)
        except InvalidData as err:
            self.message = tr("edit.invalid", fields=_error_text(err))
            return
        except Exception as exc:  # a bug: a sentence for the official, the details for the error log
            log.error("saving a household failed", exc_info=exc)
            self.message = tr("save.failed")
            return
        self.message = tr("edit.saved")
        self._residents(self.core.store.household(self.household_id))

    # --- residents ---
    def new_resident(self):
        self.resident_id = None
        for key in ("full_name", "birth_year", "r_phone"):
            self.ids[key].text = ""
        for chip in self.ids.sex.children:
            chip.state = "normal"
        self.ids.smartphone.state = "normal"
        self.ids.delete_resident.disabled = True
        self.resident_message = ""

    def edit_resident(self, r):
        self.resident_id = r["id"]
        self.ids.full_name.text = r["full_name"]
        self.ids.birth_year.text = str(r["birth_year"] or "")
        self.ids.r_phone.text = r["phone"] or ""
        for chip in self.ids.sex.children:
            chip.state = "down" if chip.value == r["sex"] else "normal"
        self.ids.smartphone.state = "down" if r["has_smartphone"] else "normal"
        self.ids.delete_resident.disabled = False
        self.resident_message = tr("edit.editing", name=r["full_name"])

    def save_resident(self):
        year = self.ids.birth_year.text.strip()
        if year and not year.isdigit():
            self.resident_message = tr("edit.invalid", fields=tr("field.birth_year"))
            return
        data = {"household_id": self.household_id, "full_name": self.ids.full_name.text.strip(),
                "birth_year": int(year) if year else None, "phone": self.ids.r_phone.text.strip(),
                "sex": next((c.value for c in self.ids.sex.children if c.state == "down"), None),
                "has_smartphone": self.ids.smartphone.state == "down"}
        try:
            self.core.save_resident(data, id=self.resident_id)
        except InvalidData as err:
            self.resident_message = tr("edit.invalid", fields=_error_text(err))
            return
        except Exception as exc:  # a bug: a sentence for the official, the details for the error log
            log.error("saving a resident failed", exc_info=exc)
            self.resident_message = tr("save.failed")
            return
        self._residents(self.core.store.household(self.household_id))
        self.new_resident()
        self.resident_message = tr("edit.saved")

    def delete_resident(self):
        from .widgets import Confirm
        rid = self.resident_id

        def really():
            self.core.delete_resident(rid)
            self._residents(self.core.store.household(self.household_id))
            self.new_resident()
        Confirm(question=tr("edit.delete_question", name=self.ids.full_name.text), danger=True,
                yes_text=tr("edit.delete"), if_yes=really).open()
