"""Coverage figures and targets."""
from flask_smorest import Blueprint

blp = Blueprint("stats", __name__, url_prefix="/stats", description="Household and resident coverage.")
