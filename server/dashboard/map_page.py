"""The coverage map of a commune: one village's households drawn at their last fix, coloured by their class
(server/stats/places.py), with the counts beside it. Admins see the dots and counts, never an address."""
from flask import g, render_template

from shared.i18n import N_
from shared.vocab import TOPICS

from .. import access, audit
from ..extensions import db
from ..stats import places
from . import bp, charts, i18n, service
from .pages import _page_filters
from .views import DASHBOARD_ROLES, commune_or_403

CLASS_LABELS = {
    "not_reached": N_("Not reached"),
    "reached": N_("Reached"),
    "some": N_("Some eligible residents have it"),
    "all": N_("Every eligible resident has it"),
}
REACHED_NO_TOPIC = N_("Reached, no eligible resident has it")
"""The label of `reached` when a topic is chosen: then it says the topic is still to do."""


def class_label(kind: str, topic: str | None) -> str:
    label = REACHED_NO_TOPIC if kind == "reached" and topic else CLASS_LABELS[kind]
    return i18n.gettext(label)


@bp.route("/communes/<int:commune_id>/map")
@access.session(*DASHBOARD_ROLES)
def coverage_map(commune_id: int):
    """The map of the village in the URL (`village`; the first village without one), for the topic in `topic`."""
    commune = commune_or_403(commune_id)
    chosen = _page_filters(commune_id)
    village_choices = service.villages_of(commune_id)
    village = next((v for v in village_choices if v.id == chosen.village_id), village_choices[0] if village_choices
                   else None)
    personal = service.sees_personal(g.user)
    found, drawing = None, None
    if village is not None:
        found = places.village_map(commune_id, village.id, chosen.topic)
        dots = [(h["fix"][0], h["fix"][1], h["class"], _dot_title(h, chosen.topic, personal))
                for h in found["households"] if h["fix"]]
        drawing = charts.village_map(dots, i18n.gettext("Coverage map of {village}", village=village.name),
                                     lambda n: i18n.gettext("{n} m", n=i18n.number(n)))
        if personal and dots:  # the dots' titles carry addresses
            audit.record("view_map", target=f"commune:{commune_id}", village=village.id, rows=len(dots))
            db.session.commit()
    classes = [k for k in places.CLASSES if chosen.topic or k not in places.TOPIC_CLASSES]
    return render_template("dashboard/map.html", commune=commune, village=village, village_choices=village_choices,
                           topic=chosen.topic, topics=list(TOPICS), found=found, drawing=drawing, classes=classes,
                           class_label=class_label, personal=personal)


def _dot_title(home: dict, topic: str | None, personal: bool) -> str:
    """What a dot says when pointed at or read aloud: the class, the fix's accuracy, and the address for leaders."""
    words = class_label(home["class"], topic)
    accuracy = home["fix"][2]
    if accuracy is not None:
        words += " · " + i18n.gettext("within {n} m", n=round(accuracy))
    return f'{home["address"]}: {words}' if personal else words
