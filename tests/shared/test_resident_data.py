from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from shared.ids import new_id
from shared.schemas import ResidentData


def resident(**data):
    return {"household_id": new_id(), "full_name": "Lê Thị Mai", **data}


def test_birth_year_may_be_this_year_but_not_a_future_one():
    year = datetime.now(timezone.utc).year
    assert ResidentData().load(resident(birth_year=year))["birth_year"] == year
    assert ResidentData().load(resident(birth_year=1900))["birth_year"] == 1900
    with pytest.raises(ValidationError) as err:
        ResidentData().load(resident(birth_year=year + 1))
    assert err.value.messages == {"birth_year": ["Must not be in the future."]}
    with pytest.raises(ValidationError) as err:
        ResidentData().load(resident(birth_year=1899))
    assert list(err.value.messages) == ["birth_year"]
