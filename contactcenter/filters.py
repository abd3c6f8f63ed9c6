"""Filters shared by the API's lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class MomentField(IsoDateTimeField):
    """An ISO date or date-time, handed to the database in UTC: PostgreSQL refuses offsets past
    ±15:59 (an API client's ``-18:04`` was a database error, a 500), and UTC it always takes."""

    def to_python(self, value: Any) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(_("This date is out of range.")) from exc


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField
